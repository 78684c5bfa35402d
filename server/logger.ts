/** The few log calls the server makes. Structured: one JSON object per line on stderr, so log shippers can read it. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

const levels: Record<LogLevel, number> = { info: 30, warn: 40, error: 50, silent: Infinity };

/** A logger writing JSON lines at or above `level` to `write` (stderr in main.ts). */
export function createJsonLogger(level: LogLevel, write: (line: string) => void): Logger {
  const emit = (name: Exclude<LogLevel, 'silent'>, fields: Record<string, unknown>, message: string): void => {
    if (levels[name] >= levels[level]) {
      write(`${JSON.stringify({ level: name, time: new Date().toISOString(), msg: message, ...fields })}\n`);
    }
  };
  return {
    info: (fields, message) => emit('info', fields, message),
    warn: (fields, message) => emit('warn', fields, message),
    error: (fields, message) => emit('error', fields, message),
  };
}

export const silentLogger: Logger = createJsonLogger('silent', () => {});
