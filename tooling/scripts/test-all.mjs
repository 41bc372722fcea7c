#!/usr/bin/env node
// Runs every workspace's uvu tests (two at a time, the machine has two cores), then prints
// one closing line `N passed, N failed` for the whole run. Exit code 1 if anything failed.
// Usage: node tooling/scripts/test-all.mjs [workspace-dir-name ...]   e.g. `wire gossip`
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const only = process.argv.slice(2);
const dirs = [join(root, 'tooling'), ...readdirSync(join(root, 'packages')).sort().map((d) => join(root, 'packages', d))]
  .filter((d) => existsSync(join(d, 'package.json')) && existsSync(join(d, 'test')))
  .filter((d) => only.length === 0 || only.includes(d.split('/').pop()));

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const jobs = Math.max(1, Number(process.env.TEST_JOBS ?? 2));

function runOne(dir) {
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(join(root, 'node_modules', '.bin', 'uvu'), ['-r', 'tsx', 'test', '\\.test\\.ts$'], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=source`.trim(), FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const text = strip(out);
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
      let failed = total - passed - skipped;
      if (code !== 0 && failed === 0) failed = 1; // crashed before or after counting
      resolve({ name, total, passed, skipped, failed, code, text, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const results = [];
const queue = [...dirs];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (queue.length) {
      const r = await runOne(queue.shift());
      results.push(r);
      const mark = r.failed ? 'FAIL' : 'ok  ';
      console.log(`${mark} ${r.name.padEnd(24)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(3)} failed  (${r.seconds.toFixed(1)} s)`);
      if (r.failed) console.log(r.text.split('\n').map((l) => '    ' + l).join('\n'));
    }
  }),
);
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
const skipped = results.reduce((a, r) => a + r.skipped, 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
