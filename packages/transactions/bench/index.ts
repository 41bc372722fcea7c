/**
 * `npm run bench` in @ln/transactions: build and sign a commitment transaction (the
 * counterparty's, with a signature per HTLC transaction, as `commitment_signed` needs) with 0,
 * 10 and 483 HTLCs, on each secp256k1 backend, next to that backend's raw signing rate.
 */
import { nobleSecp256k1, type Secp256k1 } from '@ln/crypto';
import { loadNativeSecp256k1, loadWasmSecp256k1 } from '@ln/crypto/node';
import { txidFromHex } from '@ln/chain-interfaces';
import { InMemoryChannelSigner, buildCommitmentTransaction, deriveCommitmentKeys } from '@ln/transactions';

function opsPerSecond(f: () => unknown, ms = 600): number {
  f();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    f();
    n++;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

const backends: Secp256k1[] = [nobleSecp256k1, loadWasmSecp256k1(), loadNativeSecp256k1()];
console.log('backend'.padEnd(10) + 'raw sign/s'.padStart(12) + ['0 HTLCs', '10 HTLCs', '483 HTLCs'].map((s) => `${s} ops/s`.padStart(18)).join('') + '   (signatures per op: 1, 11, 484)');
for (const secp of backends) {
  const mk = (fill: number) => new InMemoryChannelSigner(secp, new Uint8Array(32), {
    fundingKey: new Uint8Array(32).fill(fill), revocationBaseKey: new Uint8Array(32).fill(fill + 1), paymentKey: new Uint8Array(32).fill(fill + 2),
    delayedPaymentBaseKey: new Uint8Array(32).fill(fill + 3), htlcBaseKey: new Uint8Array(32).fill(fill + 4), commitmentSeed: new Uint8Array(32).fill(fill + 5),
  });
  const us = mk(1);
  const them = mk(10);
  const point = them.getPerCommitmentPoint(1000n);
  const keys = deriveCommitmentKeys(secp, point, them.pubkeys, us.pubkeys);
  const row: string[] = [];
  for (const n of [0, 10, 483]) {
    const htlcs = Array.from({ length: n }, (_, i) => ({ offered: i % 2 === 0, amountMsat: 1_000_000n + BigInt(i) * 1000n, cltvExpiry: 800_000 + i, paymentHash: new Uint8Array(32).fill(i % 251) }));
    const ops = opsPerSecond(() => {
      const built = buildCommitmentTransaction({
        fundingOutpoint: { txid: txidFromHex('44'.repeat(32)), vout: 0 }, commitmentNumber: 1000n, obscureFactor: 12345n, broadcasterIsFunder: false,
        toBroadcasterMsat: 4_000_000_000n, toCountersignatoryMsat: 5_000_000_000n - BigInt(n) * 1_500_000n, feeratePerKw: 2500, dustLimitSat: 546n, toSelfDelay: 144,
        keys, anchors: true, broadcasterFundingPubkey: them.pubkeys.fundingPubkey, countersignatoryFundingPubkey: us.pubkeys.fundingPubkey, htlcs,
      });
      return us.signCounterpartyCommitment(built, keys, { fundingValueSat: 10_000_000n, counterpartyFundingPubkey: them.pubkeys.fundingPubkey, anchors: true, feeratePerKw: 2500, toSelfDelay: 144 });
    }, n === 483 ? 3000 : 600);
    row.push(ops.toFixed(n === 483 ? 2 : 0).padStart(18));
  }
  const raw = opsPerSecond(() => secp.sign(new Uint8Array(32).fill(9), new Uint8Array(32).fill(3)), 400);
  console.log(secp.name.padEnd(10) + Math.round(raw).toLocaleString('en-US').padStart(12) + row.join(''));
}
