import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilesystemKVStore } from '@ln/test-kit/node';
import { checkPattern } from './fixtures/pattern.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ln-fskv-'));

test('read, write, list, remove, namespaces and copies', async () => {
  const dir = tmp();
  try {
    const s = await FilesystemKVStore.open(dir);
    assert.is(await s.read('a', '', 'missing'), undefined);
    assert.equal(await s.list('a', 'b'), []);
    await s.write('', '', 'manager', Uint8Array.of(1));
    await s.write('monitors', '', 'm1', Uint8Array.of(2));
    await s.write('monitors', 'updates', 'm1_1', Uint8Array.of(3));
    await s.write('monitors', 'updates', 'm1_1', Uint8Array.of(4, 5));
    assert.equal(await s.read('', '', 'manager'), Uint8Array.of(1));
    assert.equal(await s.read('monitors', 'updates', 'm1_1'), Uint8Array.of(4, 5));
    assert.equal((await s.list('monitors', '')).sort(), ['m1']);
    assert.equal(await s.list('monitors', 'updates'), ['m1_1']);
    await s.remove('monitors', 'updates', 'm1_1');
    await s.remove('monitors', 'updates', 'never-existed');
    assert.is(await s.read('monitors', 'updates', 'm1_1'), undefined);
    let threw = false;
    await s.write('../escape', '', 'k', Uint8Array.of(1)).catch(() => (threw = true));
    assert.ok(threw, 'path-like names are refused');
    // A reopened store sees the same data.
    const again = await FilesystemKVStore.open(dir);
    assert.equal(await again.read('monitors', '', 'm1'), Uint8Array.of(2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('temporary files left by a crash are ignored by list and cleaned on open', async () => {
  const dir = tmp();
  try {
    const s = await FilesystemKVStore.open(dir);
    await s.write('ns', '', 'k', Uint8Array.of(1));
    writeFileSync(join(dir, 'ns', '.k.tmp-999-0'), 'half-written');
    assert.equal(await s.list('ns', ''), ['k']);
    await FilesystemKVStore.open(dir);
    assert.equal(readdirSync(join(dir, 'ns')), ['k']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('crash test: a writer killed with SIGKILL mid-write leaves every key old-or-new, never torn', async () => {
  const dir = tmp();
  const writer = fileURLToPath(new URL('./fixtures/kv-writer.ts', import.meta.url));
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 1000) / 1000;
  let lastSeen = 0;
  let writesObserved = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', writer, dir, String(lastSeen + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let completed = 0;
      child.stdout.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) if (line) completed = Number(line);
      });
      // Kill at a random moment once the writer is writing (its start-up time varies with the machine's load).
      const started = Date.now();
      while (completed === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 10));
      assert.ok(completed > 0, `round ${round}: the writer reported no completed write within 30 s`);
      await new Promise((r) => setTimeout(r, rnd() * 600));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const store = await FilesystemKVStore.open(dir);
      for (let k = 0; k < 4; k++) {
        const v = await store.read('crash', 'test', `key${k}`);
        if (!v) {
          assert.is(lastSeen, 0, `key${k} vanished after round ${round}`);
          continue;
        }
        const version = checkPattern(v, k);
        assert.type(version, 'number', `key${k}: ${version}`);
        // Every version whose completion was reported is durable: the key holds it or a newer one.
        assert.ok((version as number) >= completed, `key${k} holds ${version}, older than reported ${completed}`);
        lastSeen = Math.max(lastSeen, version as number);
      }
      writesObserved += completed;
    }
    assert.ok(writesObserved > 0, 'the writer completed some writes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
