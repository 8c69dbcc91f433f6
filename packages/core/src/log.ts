import { appendFileSync } from 'node:fs';

/**
 * Structured logging to a file, never to stdout (stdout carries the CNI
 * result). Quiet unless a file is named by the config's `logFile` or by
 * TSCNI_LOG_FILE; TSCNI_LOG_LEVEL / `logLevel` picks debug, info, warn or error.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

export function fileSink(path: string): LogSink {
  return (line) => {
    try {
      appendFileSync(path, line + '\n');
    } catch {
      // A broken log file must never fail a pod.
    }
  };
}

export function createLogger(options: { sink?: LogSink; level?: string; base?: Record<string, unknown> }): Logger {
  const threshold = RANK[(options.level as LogLevel) ?? 'info'] ?? RANK.info;
  const sink = options.sink;
  const base = options.base ?? {};
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (!sink || RANK[level] < threshold) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    with: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({});
