import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkBrowserBundles, listPackages } from '../src/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('every core package entry point bundles for the browser with no polyfills', async () => {
  const results = await checkBrowserBundles(repoRoot);
  const core = listPackages(repoRoot).filter((p) => p.kind !== 'composition').map((p) => p.name);
  assert.equal([...new Set(results.map((r) => r.pkg))].sort(), core.sort(), 'every core package has a browser entry that was bundled');
  const failed = results.filter((r) => !r.ok).map((r) => `${r.entry}: ${r.errors.join('; ')}`);
  assert.equal(failed, []);
});

test('a planted node: import in a core entry makes the browser bundle fail', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ln-browser-'));
  try {
    const pkg = join(root, 'packages', 'wire');
    mkdirSync(join(pkg, 'src'), { recursive: true });
    const exp = (f: string) => ({ source: `./src/${f}.ts`, import: `./dist/${f}.js` });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@ln/wire', exports: { '.': exp('index'), './node': exp('node') } }));
    writeFileSync(join(pkg, 'src', 'index.ts'), "import { helper } from './helper.js';\nexport const x = helper();\n");
    writeFileSync(join(pkg, 'src', 'helper.ts'), "import { randomBytes } from 'node:crypto';\nexport const helper = () => randomBytes(4);\n");
    writeFileSync(join(pkg, 'src', 'node.ts'), "import fs from 'node:fs';\nexport const y = fs;\n");
    const results = await checkBrowserBundles(root);
    assert.is(results.length, 1, 'the Node-only ./node entry is not bundled for browsers');
    assert.is(results[0]!.ok, false);
    assert.match(results[0]!.errors.join('\n'), 'node:crypto');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
