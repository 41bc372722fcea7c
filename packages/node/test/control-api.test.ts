import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startControlApi, ensureApiToken } from '../src/index.js';
import { testNet } from './support/net.js';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function post(url: string, body?: unknown, token?: string, method = 'POST'): Promise<{ status: number; json: { result?: unknown; error?: { code: string; message: string } } }> {
  const r = await fetch(url, { method, headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, json: (await r.json()) as never };
}

test('the control API refuses requests without the data directory token, and serves those with it', async () => {
  const net = testNet();
  try {
    const node = await net.add('api');
    const dir = net.dirs[0]!;
    const token = await ensureApiToken(dir);
    assert.is(await ensureApiToken(dir), token, 'the token is kept in the data directory');
    assert.match(token, /^[0-9a-f]{64}$/);
    const api = await startControlApi(node, { token });
    const base = `http://127.0.0.1:${api.port}`;
    try {
      assert.is(api.host, '127.0.0.1');
      for (const [what, t] of [['no token', undefined], ['wrong token', 'ab'.repeat(32)], ['truncated token', token.slice(0, 63)], ['empty', '']] as const) {
        const r = await post(`${base}/getinfo`, {}, t);
        assert.is(r.status, 401, what);
        assert.is(r.json.error!.code, 'unauthorized');
        assert.is(r.json.result, undefined);
      }
      const noAuthInvoice = await post(`${base}/createinvoice`, { amountMsat: '1000' });
      assert.is(noAuthInvoice.status, 401);
      assert.is(node.listPayments().length, 0, 'nothing happened without the token');
      const info = await post(`${base}/getinfo`, {}, token);
      assert.is(info.status, 200);
      assert.is((info.json.result as { nodeId: string }).nodeId, node.nodeId);
      assert.match((info.json.result as { walletAddress: string }).walletAddress, /^bcrt1q/);
      const inv = await post(`${base}/createinvoice`, { amountMsat: '25000', description: 'api' }, token);
      assert.is(inv.status, 200);
      assert.match((inv.json.result as { invoice: string }).invoice, /^lnbcrt250n1/);
      assert.is(node.listPayments().length, 1);
      assert.equal((await post(`${base}/listchannels`, {}, token)).json.result, []);
      assert.is((await post(`${base}/nosuch`, {}, token)).status, 404);
      assert.is((await post(`${base}/getinfo`, undefined, token, 'GET')).status, 405);
      const bad = await post(`${base}/openchannel`, { nodeId: 'zz', amountSat: '1' }, token);
      assert.is(bad.status, 400);
      assert.match(bad.json.error!.message, 'nodeId');
      const notJson = await fetch(`${base}/pay`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{' });
      assert.is(notJson.status, 400);
    } finally {
      await api.close();
    }
  } finally {
    await net.close();
  }
});

test('the token file: a malformed one is replaced, and any token file ends up readable by its owner only (0600)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ln-node-token-'));
  try {
    const path = join(dir, 'api-token');
    writeFileSync(path, 'not a token\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    const fresh = await ensureApiToken(dir);
    assert.match(fresh, /^[0-9a-f]{64}$/);
    assert.is(readFileSync(path, 'utf8').trim(), fresh);
    assert.is(statSync(path).mode & 0o777, 0o600, 'the rewritten file is 0600');
    chmodSync(path, 0o644); // a valid token someone made world-readable
    assert.is(await ensureApiToken(dir), fresh, 'a valid token is kept');
    assert.is(statSync(path).mode & 0o777, 0o600, 'and narrowed to 0600');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
