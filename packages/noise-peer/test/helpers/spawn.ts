/** Spawning child processes (the CLI, the Electrum driver) and reading their JSON lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PKG = fileURLToPath(new URL('../..', import.meta.url));

export interface Proc {
  child: ChildProcess;
  /** Parsed JSON lines of stdout so far. */
  lines: Record<string, any>[];
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** Resolves with the first line matching `pred` (rejects on exit or timeout). */
  line(pred: (l: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
}

export function run(cmd: string, args: string[], killAfterMs = 60_000): Proc {
  const child = spawn(cmd, args, { cwd: PKG, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const lines: Record<string, any>[] = [];
  let err = '';
  let partial = '';
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      if (!p.trim()) continue;
      try {
        lines.push(JSON.parse(p));
      } catch {
        lines.push({ event: 'non_json', text: p });
      }
    }
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      for (const w of waiters.splice(0)) w();
      resolve(code ?? (signal ? 128 : -1));
    }),
  );
  let done = false;
  exited.then(() => (done = true));
  const line = (pred: (l: Record<string, any>) => boolean, ms = 20_000) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const end = Date.now() + ms;
      const check = () => {
        const hit = lines.find(pred);
        if (hit) return resolve(hit);
        if (done) return reject(new Error(`process exited without the line; stdout: ${JSON.stringify(lines)}; stderr: ${err}`));
        if (Date.now() > end) return reject(new Error(`timed out waiting for a line; stderr: ${err}`));
        waiters.push(check);
        setTimeout(check, 100);
      };
      check();
    });
  return { child, lines, stderr: () => err, exited, line };
}

/** The CLI from sources, through tsx. */
export const cli = (...args: string[]) => run(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', ...args]);
