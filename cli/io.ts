import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';

/**
 * The three standard streams and whether each is a terminal. Commands get these injected, so tests can hand in
 * PassThrough streams and pretend to be (or not be) a TTY.
 */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Width of the terminal stdout writes to, when it is one. */
  columns: number | undefined;
}

/** The environment as a read-only map; only cli/main.ts passes the real `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Whether the person running the command can answer a prompt. */
export function canPrompt(io: Io): boolean {
  return io.stdoutIsTTY && io.stdinIsTTY;
}

/** Reads stdin to its end. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads a secret piped on stdin. Only the one line ending that `echo` or `printf '%s\n'` adds is removed: every other
 * character, spaces included, belongs to the secret.
 */
export async function readSecret(stream: Readable): Promise<string> {
  const text = await readAll(stream);
  return text.replace(/\r?\n$/, '');
}

/** Yields stdin line by line as it arrives, so `shop cart add -` can act on each line without waiting for EOF. */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  // Required here, not at start-up: only `shop cart add -` reads lines.
  const { createInterface } = createRequire(import.meta.url)('node:readline') as typeof import('node:readline');
  const lines = createInterface({ input: stream, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) {
      yield line;
    }
  } finally {
    lines.close();
  }
}

/** Writes and waits until the stream has taken the chunk, so a large JSON document is not cut off by exit. */
export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
