/**
 * `@ln/gossip/node`: bulk signature checking on worker threads for Node.
 * {@link WorkerVerifier} is a `SignatureVerifier`: `P2PGossipSync` hands it batches and still
 * updates the graph in arrival order, exactly as with inline checking.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InlineVerifier, type SignatureCheck, type SignatureVerifier } from './verifier.js';
import { packChecks } from './node/pack.js';

/** Options of {@link WorkerVerifier.create}. */
export interface WorkerVerifierOptions {
  /** Worker threads (default: the machine's available parallelism). */
  readonly threads?: number;
  /** secp256k1 backend in the workers: `native` (libsecp256k1 addon, falling back to WASM then noble, saying so), `wasm`, or `noble`. Default `native`. */
  readonly backend?: 'native' | 'wasm' | 'noble';
  /** Checks per batch sent to a worker (default 256). */
  readonly batchSize?: number;
}

/** Dead workers replaced at most, over the verifier's life. */
const MAX_RESPAWNS = 8;

interface Job {
  readonly checks: readonly SignatureCheck[];
  readonly resolve: (r: number[]) => void;
}

interface Slot {
  readonly worker: Worker;
  pending: number;
  /** Batches sent to this worker and not answered yet. */
  readonly jobs: Map<number, Job>;
}

/**
 * Checks gossip signatures on worker threads. Create with {@link WorkerVerifier.create}
 * (which waits until every worker has loaded its backend) and {@link WorkerVerifier.close}
 * when done.
 */
export class WorkerVerifier implements SignatureVerifier {
  readonly name: string;
  readonly batchSize: number;
  private nextId = 1;
  private busy = 0;
  private done = 0;
  private closing = false;
  private readonly fallback = new InlineVerifier();
  /** Workers that died (crashed or exited) after start-up; each one's unanswered batches were checked inline and it was replaced. */
  crashes = 0;
  /** Why the last worker died. */
  lastCrash?: string;

  private constructor(
    private readonly slots: Slot[],
    backendName: string,
    /** Why faster backends were not loaded, per worker (empty when the wanted one loaded). */
    readonly skipped: string[],
    batchSize: number,
    private readonly backend: string,
  ) {
    this.name = `workers-${slots.length}x-${backendName}`;
    this.batchSize = batchSize;
    for (const s of slots) this.attach(s);
  }

  private attach(s: Slot): void {
    s.worker.on('message', (m: { id: number; res: Int8Array; ms?: number }) => {
      if (m.ms === undefined) return; // the ready message
      const job = s.jobs.get(m.id);
      if (!job) return;
      s.jobs.delete(m.id);
      s.pending--;
      this.busy += m.ms;
      this.done += m.res.length;
      job.resolve(Array.from(m.res));
    });
    s.worker.once('error', (e) => this.lost(s, `worker error: ${(e as Error).message}`));
    s.worker.once('exit', (code) => this.lost(s, `worker exited with code ${code}`));
  }

  /**
   * A worker died: its unanswered batches are checked inline (so the ordered pipeline never
   * waits forever and gets the same results), and a new worker takes its place.
   */
  private lost(s: Slot, why: string): void {
    const i = this.slots.indexOf(s);
    if (i < 0) return;
    this.slots.splice(i, 1);
    if (!this.closing) {
      this.crashes++;
      this.lastCrash = why;
    }
    for (const job of s.jobs.values()) job.resolve(this.fallback.verify(job.checks));
    s.jobs.clear();
    s.pending = 0;
    // Replace it, unless workers keep dying (then the remaining ones, or inline checks, carry on).
    if (this.closing || this.crashes > MAX_RESPAWNS) return;
    const worker = spawnWorker(this.backend);
    worker.unref();
    const slot: Slot = { worker, pending: 0, jobs: new Map() };
    this.slots.push(slot);
    this.attach(slot);
  }

  /** Starts the workers and waits until each has loaded its secp256k1 backend. */
  static async create(opts: WorkerVerifierOptions = {}): Promise<WorkerVerifier> {
    const threads = Math.max(1, opts.threads ?? availableParallelism());
    const backend = opts.backend ?? 'native';
    const slots: Slot[] = [];
    const ready: Promise<{ backend: string; skipped: string[] }>[] = [];
    for (let i = 0; i < threads; i++) {
      const worker = spawnWorker(backend);
      worker.unref();
      slots.push({ worker, pending: 0, jobs: new Map() });
      ready.push(
        new Promise((resolve, reject) => {
          const onMsg = (m: { ready?: boolean; backend: string; skipped: string[] }) => {
            if (!m.ready) return;
            worker.off('message', onMsg);
            resolve(m);
          };
          worker.on('message', onMsg);
          worker.once('error', reject);
        }),
      );
    }
    const infos = await Promise.all(ready);
    return new WorkerVerifier(slots, infos[0]!.backend, infos.flatMap((i) => i.skipped), opts.batchSize ?? 256, backend);
  }

  /** Milliseconds the workers spent checking signatures so far, summed over threads (with the wall time: how busy they were). */
  get busyMs(): number {
    return this.busy;
  }

  /** Checks answered so far. */
  get checksDone(): number {
    return this.done;
  }

  /**
   * Sends the checks to the least busy worker; resolves with one result per check. If the
   * worker dies first, the checks are run inline instead (never left pending); with no
   * worker left (closed), inline at once.
   */
  verify(checks: readonly SignatureCheck[]): Promise<number[]> {
    if (!checks.length) return Promise.resolve([]);
    if (!this.slots.length) return Promise.resolve(this.fallback.verify(checks));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending < slot.pending) slot = s;
    const id = this.nextId++;
    const buf = packChecks(checks);
    slot.pending++;
    return new Promise((resolve) => {
      slot.jobs.set(id, { checks, resolve });
      slot.worker.postMessage({ id, buf }, [buf.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** @internal For tests: the worker threads. */
  get workers(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }
}

/** Starts one worker: the built `.js` next to this file, or — running from TypeScript sources — the `.ts` worker through tsx. */
function spawnWorker(backend: string): Worker {
  const here = import.meta.url;
  const workerData = { backend };
  if (here.endsWith('.ts')) {
    const target = new URL('./node/verify-worker.ts', here).href;
    const req = createRequire(here);
    const tsxApi = pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
    return new Worker(boot, { eval: true, workerData });
  }
  const ext = here.endsWith('.cjs') ? '.cjs' : '.js';
  return new Worker(new URL(`./verify-worker${ext}`, here), { workerData });
}
