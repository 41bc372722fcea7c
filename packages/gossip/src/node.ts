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
import type { SignatureCheck, SignatureVerifier } from './verifier.js';
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

interface Slot {
  readonly worker: Worker;
  pending: number;
}

/**
 * Checks gossip signatures on worker threads. Create with {@link WorkerVerifier.create}
 * (which waits until every worker has loaded its backend) and {@link WorkerVerifier.close}
 * when done.
 */
export class WorkerVerifier implements SignatureVerifier {
  readonly name: string;
  readonly batchSize: number;
  private readonly waiting = new Map<number, (r: Int8Array) => void>();
  private nextId = 1;
  private busy = 0;
  private done = 0;

  private constructor(
    private readonly slots: Slot[],
    backendName: string,
    /** Why faster backends were not loaded, per worker (empty when the wanted one loaded). */
    readonly skipped: string[],
    batchSize: number,
  ) {
    this.name = `workers-${slots.length}x-${backendName}`;
    this.batchSize = batchSize;
    for (const s of slots) {
      s.worker.on('message', (m: { id: number; res: Int8Array; ms?: number }) => {
        if (m.ms === undefined) return; // the ready message
        s.pending--;
        this.busy += m.ms;
        this.done += m.res.length;
        const f = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        f?.(m.res);
      });
    }
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
      slots.push({ worker, pending: 0 });
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
    return new WorkerVerifier(slots, infos[0]!.backend, infos.flatMap((i) => i.skipped), opts.batchSize ?? 256);
  }

  /** Milliseconds the workers spent checking signatures so far, summed over threads (with the wall time: how busy they were). */
  get busyMs(): number {
    return this.busy;
  }

  /** Checks answered so far. */
  get checksDone(): number {
    return this.done;
  }

  /** Sends the checks to the least busy worker; resolves with one result per check. */
  verify(checks: readonly SignatureCheck[]): Promise<number[]> {
    if (!checks.length) return Promise.resolve([]);
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending < slot.pending) slot = s;
    const id = this.nextId++;
    const buf = packChecks(checks);
    slot.pending++;
    return new Promise((resolve) => {
      this.waiting.set(id, (r) => resolve(Array.from(r)));
      slot.worker.postMessage({ id, buf }, [buf.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
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
