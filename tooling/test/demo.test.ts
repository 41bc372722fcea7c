import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function demo(args: string[]): { out: string; seconds: number; status: number | null } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(root, 'tooling', 'scripts', 'demo.mjs'), ...args], { encoding: 'utf8', cwd: root, timeout: 180_000 });
  return { out: r.stdout + r.stderr, seconds: (Date.now() - started) / 1000, status: r.status };
}

test('the README main command (npm run demo → ln-node demo) passes every check with the fixed seed, in under two minutes', () => {
  const r = demo(['--seed', '1']);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, 'all checks passed');
  assert.not.match(r.out, 'FAIL');
  for (let p = 1; p <= 10; p++) assert.match(r.out, `phase ${p}:`);
  for (const what of ['(3 hops)', 'route hint', 'parts of', 'received exactly by its payee', 'delivered over', 'fee share', 'nothing before', 'revoked commitment ended in carol', '= faucet']) assert.match(r.out, what);
  assert.ok(r.seconds < 120, `took ${r.seconds} s`);
});

test('other options: five nodes, more payments, another seed', () => {
  const r = demo(['--seed', '7', '--nodes', '5', '--payments', '10']);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, 'all checks passed');
  assert.match(r.out, 'node5');
});

test('bad options are refused with the usage and a non-zero exit, before anything runs', () => {
  for (const args of [['--nodes', '3'], ['--payments', 'x'], ['--bogus']]) {
    const r = demo(args);
    assert.is(r.status, 2, r.out);
    assert.match(r.out, 'usage:');
    assert.not.match(r.out, 'phase 1:');
  }
});

test.run();
