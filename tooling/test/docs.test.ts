import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the API docs of every package build with no warnings (typedoc, warnings are errors)', () => {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'typedoc'), ['--emit', 'none'], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  const out = `${r.stdout}${r.stderr}`;
  assert.is(r.status, 0, out);
  assert.not.match(out, /\[warning\]|\[error\]/, out);
});

test.run();
