/**
 * Logging: records with a level and a module tag, handed to a user-provided sink.
 *
 * @packageDocumentation
 */

/** Log levels, from most to least verbose. `gossip` is for the flood of routing gossip. */
export type LogLevel = 'gossip' | 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Numeric rank of each level, for filtering (`rank >= LOG_LEVEL_RANK.info`). */
export const LOG_LEVEL_RANK: Readonly<Record<LogLevel, number>> = { gossip: 0, trace: 1, debug: 2, info: 3, warn: 4, error: 5 };

/** One log record. */
export interface LogRecord {
  readonly level: LogLevel;
  /** The component that logged, e.g. `"noise-peer"`, `"channel"`, `"gossip"`. */
  readonly module: string;
  readonly message: string;
  /** The peer concerned, if any (33-byte node id). */
  readonly peerId?: Uint8Array;
  /** The channel concerned, if any (32-byte channel id). */
  readonly channelId?: Uint8Array;
}

/**
 * Receives log records. Implementations must not throw and should be cheap; the library
 * calls it synchronously from its state machines.
 */
export interface Logger {
  log(record: LogRecord): void;
}

/** A logger that drops everything. */
export const NULL_LOGGER: Logger = { log() {} };

/** Small convenience wrapper: `log.info('message')` with the module tag filled in. */
export interface ModuleLogger {
  gossip(message: string, extra?: Partial<LogRecord>): void;
  trace(message: string, extra?: Partial<LogRecord>): void;
  debug(message: string, extra?: Partial<LogRecord>): void;
  info(message: string, extra?: Partial<LogRecord>): void;
  warn(message: string, extra?: Partial<LogRecord>): void;
  error(message: string, extra?: Partial<LogRecord>): void;
}

/** Binds a {@link Logger} to a module tag. */
export function moduleLogger(logger: Logger, module: string): ModuleLogger {
  const at =
    (level: LogLevel) =>
    (message: string, extra?: Partial<LogRecord>): void =>
      logger.log({ ...extra, level, module, message });
  return { gossip: at('gossip'), trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
