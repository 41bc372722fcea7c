/**
 * `npm run bench` in @ln/wire: encode and decode throughput for channel_update, update_add_htlc
 * and node_announcement, next to a baseline that only copies the same bytes (the floor of
 * touching the message at all), so the codec's overhead shows.
 */
import { decodeMessage, encodeMessage, makeMessage, encodeAddresses, type WireMessage } from '@ln/wire';

function opsPerSecond(f: () => unknown, ms = 500): number {
  for (let i = 0; i < 1000; i++) f();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 200; i++) f();
    n += 200;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const samples: [string, WireMessage][] = [
  ['channel_update', makeMessage('channel_update', {
    signature: fill(64, 1), chainHash: fill(32, 2), shortChannelId: 700000n << 40n, timestamp: 1_700_000_000,
    messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 144, htlcMinimumMsat: 1000n, feeBaseMsat: 1000,
    feeProportionalMillionths: 100, htlcMaximumMsat: 990_000_000n,
  })],
  ['update_add_htlc', makeMessage('update_add_htlc', {
    channelId: fill(32, 3), id: 42n, amountMsat: 100_000_000n, paymentHash: fill(32, 4), cltvExpiry: 800_000,
    onionRoutingPacket: fill(1366, 5),
  })],
  ['node_announcement', makeMessage('node_announcement', {
    signature: fill(64, 6), features: Uint8Array.of(0x08, 0xa0, 0x00), timestamp: 1_700_000_000, nodeId: Uint8Array.of(2, ...fill(32, 7)),
    rgbColor: Uint8Array.of(1, 2, 3), alias: fill(32, 0x41),
    addresses: encodeAddresses([{ type: 'ipv4', addr: Uint8Array.of(1, 2, 3, 4), port: 9735 }, { type: 'dns', hostname: 'example.com', port: 9735 }]),
  })],
];

console.log('message'.padEnd(20) + 'bytes'.padStart(7) + 'encode/s'.padStart(14) + 'decode/s'.padStart(14) + 'copy/s (floor)'.padStart(16) + '  decode/copy');
for (const [name, msg] of samples) {
  const bytes = encodeMessage(msg);
  const enc = opsPerSecond(() => encodeMessage(msg));
  const dec = opsPerSecond(() => decodeMessage(bytes));
  const copy = opsPerSecond(() => bytes.slice());
  const f = (x: number) => Math.round(x).toLocaleString('en-US').padStart(14);
  console.log(name.padEnd(20) + String(bytes.length).padStart(7) + f(enc) + f(dec) + f(copy).padStart(16) + `  ${(dec / copy * 100).toFixed(1)}%`);
}
