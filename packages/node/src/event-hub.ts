/** The subscriber list behind `LightningNode.subscribe` and `waitFor`. */
import type { ModuleLogger } from '@ln/chain-interfaces';
import { NodeError } from './errors.js';
import type { NodeEvent, NodeEventOf } from './events.js';

/** A listener of node events. */
export type NodeEventListener = (e: NodeEvent) => void;

export class EventHub {
  private readonly listeners = new Set<NodeEventListener>();

  constructor(private readonly log: ModuleLogger) {}

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: NodeEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers `e` to every listener (a listener that throws is logged, not propagated). */
  emit(e: NodeEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log.error(`event listener threw: ${(err as Error).message}`);
      }
    }
  }

  /** The first event of `type` that satisfies `match`; rejects after `timeoutMs`. */
  waitFor<T extends NodeEvent['type']>(type: T, match: (e: NodeEventOf<T>) => boolean = () => true, timeoutMs = 30_000): Promise<NodeEventOf<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new NodeError(`timed out after ${timeoutMs} ms waiting for ${type}`, 'timeout'));
      }, timeoutMs);
      const off = this.subscribe((e) => {
        if (e.type === type && match(e as NodeEventOf<T>)) {
          clearTimeout(timer);
          off();
          resolve(e as NodeEventOf<T>);
        }
      });
    });
  }
}
