import { join } from 'node:path';

import { ErrorCode } from '../../shared/errors.js';
import { UserError } from '../errors.js';
import { type ChangeOp, isChangeOp } from '../offline/ops.js';
import { readTextFile, removeAbandonedTemporaries, writeFileAtomic } from './atomic-file.js';
import { type FileLockOptions, withFileLock } from './file-lock.js';

/** Whose change an op is: ops are only ever replayed to the server they were queued for, as the user who queued them. */
export interface Account {
  /** Canonical server URL, as credentials are keyed. */
  server: string;
  /** The `sub` of the access token in use when the op was queued. */
  userId: string;
}

/** A change waiting to be sent. */
export interface OutboxEntry extends Account {
  /** Short and unique within this config directory: what `shop queue drop ID` takes. */
  id: number;
  /** The Idempotency-Key sent with every attempt of this op, so the server applies it at most once. */
  key: string;
  op: ChangeOp;
  /** Who was logged in when it was queued; shown by `shop queue`, never used to decide anything. */
  email: string | null;
  /** ISO 8601. */
  queuedAt: string;
}

/** A change the server refused for good; kept, with its reason, until `shop queue retry` or `shop queue drop`. */
export interface FailedEntry extends OutboxEntry {
  failedAt: string;
  /** The HTTP status of the refusal. */
  status: number;
  /** The server's error code, e.g. SKU_NOT_FOUND. */
  code: string | null;
  reason: string;
}

export interface OutboxState {
  nextId: number;
  /** In the order they were queued, which is the order they are sent in. */
  pending: OutboxEntry[];
  failed: FailedEntry[];
}

const FORMAT_VERSION = 1;

const internals = {
  empty: (): OutboxState => ({ nextId: 1, pending: [], failed: [] }),

  isEntry(value: unknown): value is OutboxEntry {
    if (typeof value !== 'object' || value === null) {
      return false;
    }
    const entry = value as Record<string, unknown>;
    return (
      typeof entry.id === 'number' &&
      Number.isSafeInteger(entry.id) &&
      typeof entry.key === 'string' &&
      typeof entry.server === 'string' &&
      typeof entry.userId === 'string' &&
      (entry.email === null || typeof entry.email === 'string') &&
      typeof entry.queuedAt === 'string' &&
      isChangeOp(entry.op)
    );
  },

  isFailedEntry(value: unknown): value is FailedEntry {
    if (!internals.isEntry(value)) {
      return false;
    }
    const entry: Record<string, unknown> = { ...value };
    return (
      typeof entry.failedAt === 'string' &&
      typeof entry.status === 'number' &&
      (entry.code === null || typeof entry.code === 'string') &&
      typeof entry.reason === 'string'
    );
  },

  /**
   * Refuses rather than guesses: a damaged outbox holds changes the user was told are safe, so it is never silently
   * replaced by an empty one.
   */
  parse(text: string, path: string): OutboxState {
    const damaged = (why: string) =>
      new UserError(`${path} ${why}; it holds your queued changes, so shop will not overwrite it — repair or move it away`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw damaged('is not valid JSON');
    }
    if (typeof value !== 'object' || value === null) {
      throw damaged('is not an outbox');
    }
    const file = value as Record<string, unknown>;
    if (typeof file.version === 'number' && file.version > FORMAT_VERSION) {
      throw new UserError(`${path} was written by a newer version of shop; upgrade shop to use it`);
    }
    const { nextId, pending, failed } = file;
    if (
      file.version !== FORMAT_VERSION ||
      typeof nextId !== 'number' ||
      !Array.isArray(pending) ||
      !Array.isArray(failed) ||
      !pending.every(internals.isEntry) ||
      !failed.every(internals.isFailedEntry)
    ) {
      throw damaged('is not an outbox this version of shop understands');
    }
    return { nextId, pending, failed };
  },

  serialise(state: OutboxState): string {
    return `${JSON.stringify({ version: FORMAT_VERSION, ...state }, null, 2)}\n`;
  },
};

/** Whether an entry belongs to this account. */
export function belongsTo(entry: Account, account: Account): boolean {
  return entry.server === account.server && entry.userId === account.userId;
}

/**
 * The outbox: changes made while the server could not be reached, waiting to be sent, and the ones it refused.
 * One JSON file (`outbox.json`) in the config directory.
 *
 * Every change goes through {@link update}: a read-modify-write under a lock file, so concurrent `shop` processes
 * never lose each other's ops, ending in an atomic replace, so a crash leaves the old or the new file. When `update`
 * resolves, the change is on disk — only then may a command say "queued".
 */
export class Outbox {
  readonly path: string;
  readonly lockPath: string;
  /** Held for a whole sync, so two processes never replay the same outbox at once. */
  readonly syncLockPath: string;

  constructor(
    directory: string,
    private readonly lockOptions: FileLockOptions = {},
  ) {
    this.path = join(directory, 'outbox.json');
    this.lockPath = join(directory, 'outbox.lock');
    this.syncLockPath = join(directory, 'sync.lock');
  }

  /** The current state, without locking: one small file read (none at all when nothing was ever queued). */
  read(): OutboxState {
    const text = readTextFile(this.path);
    return text === undefined ? internals.empty() : internals.parse(text, this.path);
  }

  /** Pending ops of `account`, in order. */
  pendingFor(account: Account): OutboxEntry[] {
    return this.read().pending.filter((entry) => belongsTo(entry, account));
  }

  /**
   * Applies `change` to the latest state under the lock and writes the result durably. `change` may mutate the state
   * it is given; returning `false` means it changed nothing, and nothing is written.
   */
  async update<T>(change: (state: OutboxState) => T | false): Promise<T | false> {
    return withFileLock(
      this.lockPath,
      async () => {
        const state = this.read();
        const result = change(state);
        if (result !== false) {
          await removeAbandonedTemporaries(this.path);
          await writeFileAtomic(this.path, internals.serialise(state));
        }
        return result;
      },
      this.lockOptions,
    );
  }

  /** Appends an op and resolves once it is on disk, with the entry and how many ops its account now has pending. */
  async enqueue(fields: Omit<OutboxEntry, 'id'>): Promise<{ entry: OutboxEntry; pending: OutboxEntry[] }> {
    const result = await this.update((state) => {
      const entry: OutboxEntry = { id: state.nextId, ...fields };
      state.nextId += 1;
      state.pending.push(entry);
      return { entry, pending: state.pending.filter((other) => belongsTo(other, entry)) };
    });
    if (result === false) {
      throw new Error('enqueue wrote nothing');
    }
    return result;
  }

  /** Forgets a pending op the server has applied. */
  async complete(id: number): Promise<void> {
    await this.update((state) => {
      const before = state.pending.length;
      state.pending = state.pending.filter((entry) => entry.id !== id);
      return state.pending.length !== before;
    });
  }

  /**
   * Moves the chosen failed ops back to the end of the queue. Each keeps its idempotency key: the server stores only
   * successes, so a key that was refused has nothing stored under it and runs afresh. The one exception is a key the
   * server says was used for a different request — that one can never succeed, so it gets a new one.
   */
  async retry(choose: (entry: FailedEntry) => boolean, newKey: () => string): Promise<OutboxEntry[]> {
    const moved = await this.update((state) => {
      const chosen = state.failed.filter(choose);
      if (chosen.length === 0) {
        return false;
      }
      state.failed = state.failed.filter((entry) => !chosen.includes(entry));
      const entries = chosen.map(({ failedAt: _failedAt, status: _status, code, reason: _reason, ...entry }): OutboxEntry => ({
        ...entry,
        key: code === ErrorCode.IDEMPOTENCY_KEY_REUSED ? newKey() : entry.key,
      }));
      state.pending.push(...entries);
      return entries;
    });
    return moved === false ? [] : moved;
  }

  /** Forgets an op, pending or failed, for good. */
  async drop(id: number): Promise<OutboxEntry | undefined> {
    const dropped = await this.update((state) => {
      const entry = state.pending.find((candidate) => candidate.id === id) ?? state.failed.find((candidate) => candidate.id === id);
      if (entry === undefined) {
        return false;
      }
      state.pending = state.pending.filter((candidate) => candidate !== entry);
      state.failed = state.failed.filter((candidate) => candidate !== entry);
      return entry;
    });
    return dropped === false ? undefined : dropped;
  }

  /** Moves a pending op to the failed list. */
  async fail(id: number, failure: Pick<FailedEntry, 'failedAt' | 'status' | 'code' | 'reason'>): Promise<void> {
    await this.update((state) => {
      const entry = state.pending.find((candidate) => candidate.id === id);
      if (entry === undefined) {
        return false;
      }
      state.pending = state.pending.filter((candidate) => candidate !== entry);
      state.failed.push({ ...entry, ...failure });
      return true;
    });
  }
}
