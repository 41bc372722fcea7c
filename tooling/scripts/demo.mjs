#!/usr/bin/env node
// `npm run demo`: runs the tour (tooling/demo/tour.ts) from sources with tsx; arguments pass through.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', join(root, 'tooling', 'demo', 'tour.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
