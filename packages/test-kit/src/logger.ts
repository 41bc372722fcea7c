/** Loggers for tests: one that records, one that prints. */
import { LOG_LEVEL_RANK, type LogLevel, type LogRecord, type Logger } from '@ln/chain-interfaces';

const hex = (b?: Uint8Array) => (b ? Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join('') : '');

/** Formats a record as one line: `level [module] message (peer …, channel …)`. */
export function formatLogRecord(r: LogRecord): string {
  const ctx = [r.peerId && `peer ${hex(r.peerId)}…`, r.channelId && `channel ${hex(r.channelId)}…`].filter(Boolean).join(', ');
  return `${r.level.padEnd(5)} [${r.module}] ${r.message}${ctx ? ` (${ctx})` : ''}`;
}

/** Prints records at or above `minLevel` to the console. */
export class ConsoleLogger implements Logger {
  constructor(private readonly minLevel: LogLevel = 'info') {}
  log(r: LogRecord): void {
    if (LOG_LEVEL_RANK[r.level] >= LOG_LEVEL_RANK[this.minLevel]) console.log(formatLogRecord(r));
  }
}

/** Keeps every record for assertions; set `print` (or env `LN_TEST_LOG=1` via the caller) to echo them. */
export class RecordingLogger implements Logger {
  readonly records: LogRecord[] = [];
  constructor(public print = false) {}
  log(r: LogRecord): void {
    this.records.push(r);
    if (this.print) console.log(formatLogRecord(r));
  }
  /** Records whose message matches `pattern`, optionally of one level. */
  find(pattern: RegExp | string, level?: LogLevel): LogRecord[] {
    return this.records.filter((r) => (level === undefined || r.level === level) && (typeof pattern === 'string' ? r.message.includes(pattern) : pattern.test(r.message)));
  }
  clear(): void {
    this.records.length = 0;
  }
}
