import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkDependencyRule, isNodeOnlyFile } from '../src/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Writes a throwaway repository with the given files (path → content). */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ln-deprule-'));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  }
  return root;
}
const manifest = (name: string, deps: Record<string, string> = {}, devDeps: Record<string, string> = {}) =>
  JSON.stringify({ name, dependencies: deps, devDependencies: devDeps });

test('the real repository obeys the dependency rule', () => {
  const v = checkDependencyRule(repoRoot);
  assert.equal(v.map((x) => x.message), []);
});

test('catches a planted component-to-component import, naming file and import', () => {
  const root = fixture({
    'packages/router/package.json': manifest('@ln/router'),
    'packages/router/src/index.ts': "import { NetworkGraph } from '@ln/gossip';\nexport const g = NetworkGraph;\n",
    'packages/gossip/package.json': manifest('@ln/gossip'),
    'packages/gossip/src/index.ts': 'export const NetworkGraph = 1;\n',
  });
  try {
    const v = checkDependencyRule(root);
    assert.is(v.length, 1);
    assert.is(v[0]!.rule, 'component-imports-component');
    assert.is(v[0]!.file, 'packages/router/src/index.ts');
    assert.is(v[0]!.line, 1);
    assert.is(v[0]!.what, '@ln/gossip');
    assert.match(v[0]!.message, 'packages/router/src/index.ts:1');
    assert.match(v[0]!.message, '@ln/gossip');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('catches a component listed as a (dev)dependency of another component, and imports in tests', () => {
  const root = fixture({
    'packages/channel/package.json': manifest('@ln/channel', {}, { '@ln/monitor': '0.1.0' }),
    'packages/channel/src/index.ts': 'export {};\n',
    'packages/channel/test/x.test.ts': "const m = await import('@ln/monitor/extra');\n",
    'packages/monitor/package.json': manifest('@ln/monitor'),
    'packages/monitor/src/index.ts': 'export {};\n',
  });
  try {
    const v = checkDependencyRule(root);
    assert.equal(v.map((x) => [x.rule, x.file, x.what]).sort(), [
      ['component-depends-on-component', 'packages/channel/package.json', '@ln/monitor'],
      ['component-imports-component', 'packages/channel/test/x.test.ts', '@ln/monitor/extra'],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('composition packages may depend on components; components may use shared packages', () => {
  const root = fixture({
    'packages/node/package.json': manifest('@ln/node', { '@ln/channel': '0.1.0' }),
    'packages/node/src/index.ts': "import fs from 'node:fs';\nimport '@ln/channel';\nexport const b = Buffer.alloc(1);\n",
    'packages/channel/package.json': manifest('@ln/channel', { '@ln/wire': '0.1.0' }),
    'packages/channel/src/index.ts': "import '@ln/wire';\n",
    'packages/wire/package.json': manifest('@ln/wire'),
    'packages/wire/src/index.ts': 'export {};\n',
  });
  try {
    assert.equal(checkDependencyRule(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('catches node: imports, built-ins and Node globals in core sources, but not in Node-only entries', () => {
  const root = fixture({
    'packages/wire/package.json': manifest('@ln/wire'),
    'packages/wire/src/index.ts': [
      "import { readFileSync } from 'node:fs';",
      "import crypto from 'crypto';",
      'export const a = Buffer.from([1]);',
      'export const b = process.env.X;',
      "export const c = require('x');",
      'const obj = { process: 1, Buffer: 2 };',
      'export const d = obj.process + obj.Buffer;',
      'export function f(process: number) { return process; }',
      "export * from './node.js';",
      '',
    ].join('\n'),
    'packages/wire/src/node.ts': "import { readFileSync } from 'node:fs';\nexport const x = Buffer.alloc(1);\n",
    'packages/wire/src/node/socket.ts': "import net from 'node:net';\n",
    'packages/wire/src/cli.ts': 'console.log(process.argv);\n',
    'packages/wire/test/a.test.ts': "import 'node:fs';\n",
  });
  try {
    const v = checkDependencyRule(root);
    assert.equal(
      v.map((x) => [x.rule, x.line, x.what]),
      [
        ['node-api-in-core', 1, 'node:fs'],
        ['node-api-in-core', 2, 'crypto'],
        ['core-imports-node-only-file', 9, './node.js'],
        ['node-api-in-core', 3, 'Buffer'],
        ['node-api-in-core', 4, 'process'],
        ['node-api-in-core', 5, 'require'],
      ],
    );
    for (const x of v) assert.match(x.message, 'packages/wire/src/index.ts');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Node-only file naming', () => {
  assert.ok(isNodeOnlyFile('node.ts'));
  assert.ok(isNodeOnlyFile('node/tcp.ts'));
  assert.ok(isNodeOnlyFile('worker.node.ts'));
  assert.ok(isNodeOnlyFile('cli.ts'));
  assert.not.ok(isNodeOnlyFile('index.ts'));
  assert.not.ok(isNodeOnlyFile('nodes.ts'));
  assert.not.ok(isNodeOnlyFile('graph/node-table.ts'));
});

test.run();
