/** Progress lines, checks and the final balance table of the demo (plain text: readable in a terminal and in a log). */
import type { NodeBalances } from '../balances.js';

/** `1,234,567 sat`. */
export function sat(v: bigint): string {
  const s = (v < 0n ? -v : v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${v < 0n ? '-' : ''}${s} sat`;
}

export class Reporter {
  private n = 0;
  private failures = 0;
  private checks = 0;
  private readonly started = Date.now();

  constructor(private readonly write: (line: string) => void) {}

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1).padStart(5)}s`;
  }

  line(text: string): void {
    this.write(text);
  }

  /** One progress line per phase: `[  1.2s] phase 3: gossip — ...`. */
  phase(name: string, what: string): void {
    this.n++;
    this.write(`[${this.elapsed()}] phase ${this.n}: ${name} — ${what}`);
  }

  check(ok: boolean, what: string): void {
    this.checks++;
    if (!ok) this.failures++;
    this.write(`          ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  }

  table(rows: readonly { name: string; b: NodeBalances; funded: bigint }[]): void {
    const head = ['node', 'on-chain', 'in channels', 'claimable', 'total', 'vs funded'];
    const body = rows.map((r) => [r.name, sat(r.b.onChain.confirmedSat + r.b.onChain.unconfirmedSat), sat(r.b.lightningMsat / 1000n), sat(r.b.claimableOnChainSat), sat(r.b.totalSat), sat(r.b.totalSat - r.funded)]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const fmt = (cells: string[]) => '          ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    this.write(fmt(head));
    this.write('          ' + widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of body) this.write(fmt(row));
  }

  /** The closing line; returns whether every check passed. */
  finish(): boolean {
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    this.write(this.failures ? `${this.failures} of ${this.checks} checks FAILED (${secs} s)` : `all checks passed: ${this.checks} checks in ${this.n} phases (${secs} s)`);
    return this.failures === 0;
  }
}
