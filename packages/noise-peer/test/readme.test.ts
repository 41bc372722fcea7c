/** The README's examples run as written: the TCP listener (dialed by a real peer) and the in-memory handshake. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hexToBytes } from '@ln/crypto';
import { makeMessage } from '@ln/wire';
import { connect } from '@ln/noise-peer/node';
import { testPeer, until } from './helpers/peers.js';
import { PKG, run } from './helpers/spawn.js';

const readme = readFileSync(join(PKG, 'README.md'), 'utf8');
/** The first ```ts block after `heading`. */
const block = (heading: string) => {
  const at = readme.indexOf(heading);
  assert.ok(at >= 0, `README has "${heading}"`);
  return /```ts\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
};
/** Runs README code from a file in the package (so `@ln/*` resolve), removed afterwards. */
function runExample(name: string, code: string, env: Record<string, string> = {}) {
  const file = join(PKG, `.readme-${name}.ts`);
  writeFileSync(file, code);
  const vars = { FORCE_COLOR: '0', NO_COLOR: '1', ...env };
  const p = run('/usr/bin/env', [...Object.entries(vars).map(([k, v]) => `${k}=${v}`), process.execPath, '--conditions=source', '--import', 'tsx', file], 30_000);
  p.exited.finally(() => rmSync(file, { force: true }));
  return p;
}

test('README: the TCP listener in ten lines accepts a real peer over TCP and answers its ping', async () => {
  const p = runExample('listener', block('## A TCP listener in ten lines'), { PORT: '0' });
  try {
    const first = await p.line((l) => l.event === 'non_json' && /^listening on/.test(l.text));
    const [, port, id] = /^listening on 127\.0\.0\.1:(\d+) as ([0-9a-f]{66})$/.exec(first.text)!;
    const peer = testPeer();
    await connect(peer.pm, hexToBytes(id!), '127.0.0.1', Number(port));
    assert.ok(await until(() => peer.pm.getPeerNodeIds().length === 1), 'connected after init');
    peer.pm.sendToPeer(hexToBytes(id!), makeMessage('ping', { numPongBytes: 3, ignored: new Uint8Array(0) }));
    assert.ok(await until(() => peer.pongLengths.includes(3)), 'the example answered our ping');
    await p.line((l) => l.event === 'non_json' && l.text.trim() === 'message out pong');
    peer.pm.disconnectByNodeId(hexToBytes(id!));
    await p.line((l) => l.event === 'non_json' && l.text.trim() === 'disconnected');
  } finally {
    p.child.kill('SIGKILL');
    await p.exited;
  }
});

test('README: the in-memory handshake example decrypts its ping', async () => {
  const p = runExample('handshake', block('## The handshake alone, in memory'));
  assert.is(await p.exited, 0, p.stderr());
  // eslint-disable-next-line no-control-regex
  assert.match(p.lines.map((l) => String(l.text).replace(/\x1b\[[0-9;]*m/g, '')).join('\n'), /Uint8Array\(6\) \[ 0, 18, 0, 4, 0, 0 \]/);
});

test.run();
