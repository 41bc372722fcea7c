/**
 * Runs the project's Electrum harness (interop/electrum_node.py, Debian python3-electrum) as a
 * child process and talks to it in JSON lines: `call(cmd, args)` resolves with the result or
 * rejects with Electrum's error. Its stderr (Electrum's log) is kept for failure messages.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's Python, where python3-electrum installs (override with ELECTRUM_PYTHON). */
export const PYTHON = process.env.ELECTRUM_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../interop/electrum_node.py', import.meta.url));

/**
 * Electrum's version, or throws: the interop tests must fail loudly, not skip, when
 * python3-electrum is missing (`.ci/run` installs it).
 */
export function requireElectrum(): string {
  const probe = spawnSync(PYTHON, ['-c', 'import electrum, electrum.lnworker; print(electrum.version.ELECTRUM_VERSION)'], { cwd: tmpdir(), encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = (probe.stderr || String(probe.error ?? '')).trim().split('\n').pop();
    throw new Error(`python3-electrum is not importable with ${PYTHON} (${why}). Install it: apt-get install -y python3-electrum (.ci/run does this in CI)`);
  }
  return probe.stdout.trim();
}

export interface ElectrumReady {
  node_id: string;
  listen_port: number | null;
  address: string;
}

/** One running Electrum wallet. */
export class ElectrumProcess {
  readonly child: ChildProcess;
  readonly datadir: string;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; cmd: string }>();
  private readonly events: Record<string, any>[] = [];
  private eventWaiters: (() => void)[] = [];
  private log = '';
  private exited = false;
  readonly exit: Promise<number>;

  constructor(serverPort: number, opts: { listenPort?: number; verbose?: boolean } = {}) {
    this.datadir = mkdtempSync(join(tmpdir(), 'ln-ts-electrum-'));
    const args = [SCRIPT, '--server-port', String(serverPort), '--datadir', this.datadir];
    if (opts.listenPort !== undefined) args.push('--listen-port', String(opts.listenPort));
    if (opts.verbose ?? true) args.push('--verbose');
    this.child = spawn(PYTHON, args, { cwd: tmpdir(), stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let partial = '';
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      partial += d;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) if (p.trim()) this.onLine(p);
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      this.log += d;
      if (this.log.length > 4_000_000) this.log = this.log.slice(-2_000_000);
      if (process.env.ELECTRUM_LOG) process.stderr.write(d);
    });
    this.exit = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        for (const [, p] of this.pending) p.reject(new Error(`Electrum exited (${code ?? signal}) during ${p.cmd}; log tail:\n${this.logTail()}`));
        this.pending.clear();
        for (const w of this.eventWaiters.splice(0)) w();
        resolve(code ?? 128);
      }),
    );
  }

  private onLine(line: string): void {
    let msg: Record<string, any>;
    try {
      msg = JSON.parse(line);
    } catch {
      this.log += `[stdout, not JSON] ${line}\n`;
      return;
    }
    if (typeof msg.id === 'number' && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id)!;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`Electrum ${p.cmd}: ${msg.error}`));
      return;
    }
    this.events.push(msg);
    for (const w of this.eventWaiters.splice(0)) w();
  }

  /** The last `n` characters of Electrum's log. */
  logTail(n = 6000): string {
    return this.log.slice(-n);
  }

  /** Electrum's whole log so far. */
  fullLog(): string {
    return this.log;
  }

  /** Waits for an unsolicited line with `event === name`. */
  event(name: string, ms = 60_000): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const end = Date.now() + ms;
      const check = () => {
        const hit = this.events.find((e) => e.event === name);
        if (hit) return resolve(hit);
        if (this.exited) return reject(new Error(`Electrum exited before "${name}"; log tail:\n${this.logTail()}`));
        if (Date.now() > end) return reject(new Error(`no "${name}" from Electrum within ${ms} ms; log tail:\n${this.logTail()}`));
        this.eventWaiters.push(check);
        setTimeout(check, 200);
      };
      check();
    });
  }

  /** Sends a command; resolves with its result. */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}, ms = 90_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`Electrum is not running (${cmd})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`Electrum ${cmd}: no answer within ${ms} ms; log tail:\n${this.logTail()}`));
      }, ms);
      this.pending.set(id, {
        cmd,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.stdin!.write(JSON.stringify({ id, cmd, ...args }) + '\n');
    });
  }

  /** Stops Electrum (gracefully, then by force) and removes its data directory. */
  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.stdin!.write(JSON.stringify({ id: 0, cmd: 'stop' }) + '\n');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exit;
      clearTimeout(t);
    }
    rmSync(this.datadir, { recursive: true, force: true });
  }
}

/** A TCP port free on 127.0.0.1 right now (Electrum's `lightning_listen` refuses port 0). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
