#!/usr/bin/env node
// Runs every workspace's `bench` script one after another (benchmarks never run in `npm test`).
// Usage: node tooling/scripts/bench-all.mjs [workspace-dir-name ...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const only = process.argv.slice(2);
let failed = 0;
for (const d of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', d);
  if (!existsSync(join(dir, 'package.json'))) continue;
  if (only.length && !only.includes(d)) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.bench) continue;
  console.log(`\n=== ${pkg.name} ===`);
  const r = spawnSync('npm', ['run', '--silent', 'bench'], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=source`.trim() },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
