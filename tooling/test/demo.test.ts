import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the README main command (npm run demo → tooling/demo/tour.ts) passes every check, with two seeds', () => {
  for (const seed of ['1', '2']) {
    const r = spawnSync(process.execPath, [join(root, 'tooling', 'scripts', 'demo.mjs'), '--seed', seed], { encoding: 'utf8', cwd: root });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'all checks passed');
    assert.not.match(r.stdout, 'FAIL');
    for (let p = 1; p <= 7; p++) assert.match(r.stdout, `phase ${p}:`);
  }
});

test.run();
