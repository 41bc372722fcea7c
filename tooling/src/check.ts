#!/usr/bin/env tsx
/**
 * CLI: `tsx tooling/src/check.ts [deps|browser|all]` — runs the repository checks and exits
 * non-zero with a message per violation naming the file and the offending import.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBrowserBundles } from './browser-check.js';
import { checkDependencyRule } from './dependency-rule.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const what = process.argv[2] ?? 'all';
let bad = 0;
if (what === 'deps' || what === 'all') {
  const v = checkDependencyRule(root);
  for (const x of v) console.error(`dependency rule: ${x.message}`);
  console.log(`dependency rule: ${v.length} violation(s)`);
  bad += v.length;
}
if (what === 'browser' || what === 'all') {
  const r = await checkBrowserBundles(root);
  for (const x of r) {
    console.log(`${x.ok ? 'ok  ' : 'FAIL'} browser bundle ${x.entry.padEnd(28)} ${x.ok ? `${(x.bytes / 1024).toFixed(1)} KiB` : ''}`);
    for (const e of x.errors) console.error(`     ${e}`);
  }
  bad += r.filter((x) => !x.ok).length;
}
process.exit(bad ? 1 : 0);
