/**
 * The guides in docs/guides/ show code from test/guides/*.ts (type-checked with this package).
 * Each ```ts block of a guide is preceded by `<!-- code: <file>#<region> -->` and must equal
 * that `// #region` of the file; every region must be shown once; and each guide's `main()`
 * runs here, so the code in the guides both compiles and works.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const here = dirname(fileURLToPath(import.meta.url));
const guidesDir = join(here, '..', '..', '..', 'docs', 'guides');
const codeDir = join(here, 'guides');

function regions(file: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let buf: string[] = [];
  for (const line of readFileSync(join(codeDir, file), 'utf8').split('\n')) {
    const open = /^\s*\/\/ #region (\S+)/.exec(line);
    if (open) {
      name = open[1]!;
      buf = [];
    } else if (/^\s*\/\/ #endregion/.test(line)) {
      const indent = Math.min(...buf.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
      out.set(name!, buf.map((l) => l.slice(indent)).join('\n'));
      name = undefined;
    } else if (name) buf.push(line);
  }
  return out;
}

test('every ts block of every guide is a region of its checked file, and every region is shown once', () => {
  const guides = readdirSync(guidesDir).filter((f) => f.endsWith('.md'));
  assert.equal(guides.sort(), ['compose-a-custom-node.md', 'keep-funds-safe.md', 'pay-and-receive.md', 'router-only-gossip-service.md']);
  const shown = new Map<string, number>();
  for (const g of guides) {
    const text = readFileSync(join(guidesDir, g), 'utf8');
    const blocks = [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
    for (const b of blocks) {
      if (b[1] !== 'ts' && b[1] !== 'typescript') continue;
      const before = text.slice(0, b.index).trimEnd();
      const marker = /<!-- code: (\S+)#(\S+) -->$/.exec(before);
      assert.ok(marker, `${g}: a ts block without a code marker at offset ${b.index}`);
      const code = regions(marker![1]!).get(marker![2]!);
      assert.ok(code !== undefined, `${g}: no region ${marker![2]} in ${marker![1]}`);
      assert.fixture(b[2]!.replace(/\n$/, ''), code!, `${g}: block ${marker![1]}#${marker![2]} differs from the checked code`);
      const key = `${marker![1]}#${marker![2]}`;
      shown.set(key, (shown.get(key) ?? 0) + 1);
    }
  }
  for (const f of readdirSync(codeDir)) for (const r of regions(f).keys()) assert.is(shown.get(`${f}#${r}`), 1, `${f}#${r} shown once in a guide`);
});

test('guide: compose a custom node — two hand-wired nodes open a channel and pay', async () => {
  const { main } = await import('./guides/compose.js');
  const r = await main();
  assert.is(r.paidMsat, 20_000_000n);
  assert.is(r.feePaidMsat, 0n);
});

test('guide: pay and receive — invoice, a payment policy, keysend, events', async () => {
  const { main } = await import('./guides/pay-and-receive.js');
  const r = await main();
  assert.equal([r.first, r.second, r.keysend], ['succeeded', 'succeeded', 'succeeded']);
  assert.equal(r.events, ['carol received 25000000 msat', 'carol received 10000000 msat', 'carol received 1000000 msat']);
});

test('guide: keep funds safe — restart from the data directory, monitors on disk, a force close swept', async () => {
  const { main } = await import('./guides/keep-funds-safe.js');
  const r = await main();
  assert.ok(r.resumed);
  assert.is(r.monitorsOnDisk, 1);
  assert.ok(r.roundTrip);
  assert.ok(r.claimableAfterForceClose > 990_000n && r.sweptSat > 990_000n && r.sweptSat < r.claimableAfterForceClose);
});

test('guide: router-only gossip service — synced over BOLT 8, routes over HTTP', async () => {
  const { main } = await import('./guides/router-service.js');
  const r = await main();
  assert.is(r.hops, 2);
  assert.is(r.feeMsat, '6000');
  assert.ok(r.paidWithServiceRoute);
});

test.run();
