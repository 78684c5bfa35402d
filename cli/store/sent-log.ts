import { closeSync, openSync, writeSync } from 'node:fs';

import { readTextFile } from './atomic-file.js';
import { fsAsync } from './fs-async.js';
import { APPEND_NO_FOLLOW } from './private-paths.js';

const PRIVATE_FILE_MODE = 0o600;

/** A queued op as the sent log names it: by its id and its idempotency key, which must both match. */
export interface SentOp {
  id: number;
  key: string;
}

/** The ops a sent log holds. */
export interface SentOps {
  readonly size: number;
  has(op: SentOp): boolean;
}

/**
 * The queued ops the server has applied but the outbox file still lists: one JSON line each, appended by a sync as
 * each answer arrives. Rewriting the whole outbox after every op made a sync's cost grow with the square of the
 * queue; appending a line costs the same however long the queue is, and the sync folds the log into the outbox file
 * every so often (see `Outbox.settle`).
 *
 * Appends are not flushed to disk: a process killed any way (Ctrl-C, kill -9, a crash) leaves them in the page cache,
 * so the next `shop` still sees those ops as sent. Only a power cut can lose some, and then those ops are sent again
 * with their keys, which the server answers from its record without applying them twice.
 */
export class SentLog {
  /**
   * The log, kept open between appends until {@link clear}: opening and closing it for each op took two thirds of an
   * append's time (~5–9 ms per 1,000 ops here). Appends through it reach the file as they are made, for every reader.
   */
  private fd: number | undefined;

  constructor(readonly path: string) {}

  /** Records that the op was applied. Synchronous: one small append, done before the op is reported sent. */
  add(op: SentOp): void {
    this.fd ??= openSync(this.path, APPEND_NO_FOLLOW, PRIVATE_FILE_MODE);
    try {
      writeSync(this.fd, `${JSON.stringify({ id: op.id, key: op.key })}\n`);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private close(): void {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      closeSync(fd);
    }
  }

  /**
   * The ops recorded so far. A line that does not parse — the torn end of a log cut by a power cut — is skipped: its
   * op is simply still pending.
   */
  read(): SentOps {
    const names = new Set<string>();
    for (const line of (readTextFile(this.path) ?? '').split('\n')) {
      const op = parseLine(line);
      if (op !== undefined) {
        names.add(nameOf(op));
      }
    }
    return { size: names.size, has: (op) => names.has(nameOf(op)) };
  }

  /** Forgets every op, once the outbox file no longer lists them. */
  async clear(): Promise<void> {
    // Closed first: an append after this must create the next log, not write to the one removed.
    this.close();
    await fsAsync.unlink(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') {
        throw error;
      }
    });
  }
}

function nameOf(op: SentOp): string {
  return `${op.id} ${op.key}`;
}

function parseLine(line: string): SentOp | undefined {
  if (line === '') {
    return undefined;
  }
  try {
    const value = JSON.parse(line) as Partial<SentOp> | null;
    return typeof value?.id === 'number' && typeof value.key === 'string' ? { id: value.id, key: value.key } : undefined;
  } catch {
    return undefined;
  }
}
