import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

import type { LogLevel } from './config.js';

/** The server's logger: pino, writing one JSON object per line. */
export type Logger = PinoLogger;

/**
 * Never written to a log, wherever they appear in a logged object: credentials in headers, and passwords and tokens in
 * anything a handler or an error might carry. Request and response bodies are not logged at all; this is the second line.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'password',
  'accessToken',
  'refreshToken',
  'token',
  'secret',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/**
 * A JSON logger at `level`. Lines carry `level` as a name and `time` as ISO 8601, which log shippers read without
 * configuration; `pid` and `hostname` tell instances and cluster workers apart. Written synchronously to `destination`
 * (stderr by default), so the last lines before an exit are not lost.
 */
export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination({ dest: 2, sync: true })): Logger {
  return pino(
    {
      level,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Logs nothing: the default for servers built by tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
