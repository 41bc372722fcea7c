#!/usr/bin/env node
// `npm run demo`: runs `ln-node demo` (packages/node/src/demo/demo.ts) from sources with tsx; arguments pass through
// (`--nodes N`, `--payments N`, `--seed S`, `--keep`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', join(root, 'packages', 'node', 'src', 'cli.ts'), 'demo', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
