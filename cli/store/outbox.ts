import { join } from 'node:path';

import { ErrorCode } from '../../shared/errors.js';
import { UserError } from '../errors.js';
import { type ChangeOp, isChangeOp } from './change-op.js';
import { readTextFile, removeAbandonedTemporaries, writeFileAtomic } from './atomic-file.js';
import { type FileLockOptions, withFileLock } from './file-lock.js';
import { SentLog } from './sent-log.js';

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
  /** The Idempotency-Key of the op: sent when the op went straight to the server before it was queued. */
  key: string;
  /**
   * The op's number in its device's sequence: numbered in queue order, the same on every push of the op, so the server
   * applies it once however late it is resent. Absent only on ops an older `shop` queued, until the next sync numbers them.
   */
  seq?: number;
  /**
   * Set when the op may already have reached the server as a single request with its key (its answer was lost, or an
   * older `shop` sent it): its push carries the key too, so the server recognises it either way.
   */
  keyed?: boolean;
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

/** A pending op the server refused for good, and why: see {@link Outbox.settle}. */
export interface Refusal {
  id: number;
  failure: Pick<FailedEntry, 'failedAt' | 'status' | 'code' | 'reason'>;
}

/**
 * This machine as a device of one account on one server. Kept in the outbox file, beside the counter that numbers its
 * ops: were the two kept apart, losing one (a deleted outbox) would number new ops below what the server has applied
 * and they would be taken for repeats.
 */
export interface StoredDevice {
  /** Random, made the first time an op of the account is pushed. */
  id: string;
  /** Whether a push of this device has been answered: until then the server may rightly not know it. */
  pushed: boolean;
}

export interface OutboxState {
  /** Ids and device sequence numbers both come from this counter, which only grows. */
  nextId: number;
  /** In the order they were queued, which is the order they are sent in. */
  pending: OutboxEntry[];
  failed: FailedEntry[];
  /** By account (`server userId`); absent when there is none. */
  devices?: Record<string, StoredDevice>;
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
      (entry.seq === undefined || (typeof entry.seq === 'number' && Number.isSafeInteger(entry.seq) && entry.seq > 0)) &&
      (entry.keyed === undefined || typeof entry.keyed === 'boolean') &&
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
    const { nextId, pending, failed, devices } = file;
    if (
      file.version !== FORMAT_VERSION ||
      typeof nextId !== 'number' ||
      !Array.isArray(pending) ||
      !Array.isArray(failed) ||
      !pending.every(internals.isEntry) ||
      !failed.every(internals.isFailedEntry) ||
      !(devices === undefined || internals.isDeviceMap(devices))
    ) {
      throw damaged('is not an outbox this version of shop understands');
    }
    return devices === undefined ? { nextId, pending, failed } : { nextId, pending, failed, devices };
  },

  isDeviceMap(value: unknown): value is Record<string, StoredDevice> {
    return (
      typeof value === 'object' &&
      value !== null &&
      Object.values(value).every(
        (device: unknown) =>
          typeof device === 'object' && device !== null && typeof (device as StoredDevice).id === 'string' && typeof (device as StoredDevice).pushed === 'boolean',
      )
    );
  },

  deviceName(account: Account): string {
    return `${account.server} ${account.userId}`;
  },

  serialise(state: OutboxState): string {
    return `${JSON.stringify({ version: FORMAT_VERSION, ...state }, null, 2)}\n`;
  },

  /** Moves the refused ops to the failed list; one dropped meanwhile by another process stays dropped. */
  moveToFailed(state: OutboxState, refused: readonly Refusal[]): void {
    for (const { id, failure } of refused) {
      const entry = state.pending.find((candidate) => candidate.id === id);
      if (entry !== undefined) {
        state.pending = state.pending.filter((candidate) => candidate !== entry);
        state.failed.push({ ...entry, ...failure });
      }
    }
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
 *
 * The one exception is a sync telling it an op was sent ({@link recordSent}): that goes to a {@link SentLog} beside
 * the file, which every read applies, and which the sync folds into the file in batches ({@link settle}).
 */
export class Outbox {
  readonly path: string;
  readonly lockPath: string;
  /** Held for a whole sync, so two processes never replay the same outbox at once. */
  readonly syncLockPath: string;
  private readonly sent: SentLog;

  constructor(
    directory: string,
    private readonly lockOptions: FileLockOptions = {},
  ) {
    this.path = join(directory, 'outbox.json');
    this.lockPath = join(directory, 'outbox.lock');
    this.syncLockPath = join(directory, 'sync.lock');
    this.sent = new SentLog(join(directory, 'outbox.sent'));
  }

  /**
   * The current state, without locking: a small file read or two (none that find anything when nothing is queued),
   * with the ops in the sent log no longer pending.
   */
  read(): OutboxState {
    // The log first: `settle` writes the file before it clears the log, so whichever of the two this read sees, every
    // op sent before the log was read is left out.
    const sent = this.sent.read();
    const text = readTextFile(this.path);
    const state = text === undefined ? internals.empty() : internals.parse(text, this.path);
    if (sent.size > 0) {
      state.pending = state.pending.filter((entry) => !sent.has(entry));
    }
    return state;
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
    return this.locked(async () => {
      const state = this.read();
      const result = change(state);
      if (result !== false) {
        await this.write(state);
      }
      return result;
    });
  }

  /**
   * Appends an op and resolves once it is on disk, with the entry and how many ops its account now has pending.
   * `admit`, given the account's pending ops under the lock, may throw to queue nothing.
   */
  async enqueue(
    fields: Omit<OutboxEntry, 'id'>,
    admit: (pending: OutboxEntry[]) => void = () => {},
  ): Promise<{ entry: OutboxEntry; pending: OutboxEntry[] }> {
    const result = await this.update((state) => {
      admit(state.pending.filter((other) => belongsTo(other, fields)));
      // Ids and sequence numbers come from one counter that only grows, so the queue is always in sequence order.
      const entry: OutboxEntry = { id: state.nextId, seq: state.nextId, ...fields };
      state.nextId += 1;
      state.pending.push(entry);
      return { entry, pending: state.pending.filter((other) => belongsTo(other, entry)) };
    });
    if (result === false) {
      throw new Error('enqueue wrote nothing');
    }
    return result;
  }

  /**
   * Forgets a pending op the server has applied, at once for every reader, by appending it to the sent log: cheap
   * however long the queue, but not durable until the next {@link settle} (see {@link SentLog} for why that is safe).
   * Only the process holding the sync lock may call it.
   */
  recordSent(entry: OutboxEntry): void {
    this.sent.add(entry);
  }

  /**
   * Makes what a sync has learnt durable in one write: the ops in the sent log leave the file, and the `refused` ones
   * move to the failed list. Then empties the sent log. Returns the state as it now is, ops queued meanwhile by other
   * processes included. Only the process holding the sync lock may call it: being the only one adding to the log, it
   * knows nothing was added between the write and the clearing.
   */
  async settle(refused: readonly Refusal[]): Promise<OutboxState> {
    if (this.sent.read().size === 0 && refused.length === 0) {
      return this.read();
    }
    return this.locked(async () => {
      const state = this.read();
      internals.moveToFailed(state, refused);
      await this.write(state);
      await this.sent.clear();
      return state;
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
      // A refused op used up its sequence number on the server: sent again, it takes a new one, at the end of the queue.
      const entries = chosen.map(({ failedAt: _failedAt, status: _status, code, reason: _reason, keyed: _keyed, ...entry }): OutboxEntry => ({
        ...entry,
        key: code === ErrorCode.IDEMPOTENCY_KEY_REUSED ? newKey() : entry.key,
        seq: state.nextId++,
      }));
      state.pending.push(...entries);
      return entries;
    });
    return moved === false ? [] : moved;
  }

  /**
   * Numbers the account's ops an older `shop` queued without sequence numbers, before anything of the account is pushed:
   * all of its pending ops, in queue order, from the counter (no op of the account can have been pushed before, as a
   * push always comes after this). Each such op keeps its key and is marked `keyed`, as the older `shop` may have sent
   * it. Writes nothing when every op is numbered.
   */
  async numberForPush(account: Account): Promise<void> {
    if (this.pendingFor(account).every((entry) => entry.seq !== undefined)) {
      return;
    }
    await this.update((state) => {
      const mine = state.pending.filter((entry) => belongsTo(entry, account));
      if (mine.every((entry) => entry.seq !== undefined)) {
        return false;
      }
      for (const entry of mine) {
        if (entry.seq === undefined) {
          entry.keyed = true;
        }
        entry.seq = state.nextId++;
      }
      return true;
    });
  }

  /**
   * Moves the account's pending ops to the failed list with one reason: what a device the server forgot does when
   * nobody can be asked whether to send them again.
   */
  async failAll(account: Account, failure: Refusal['failure']): Promise<number> {
    const moved = await this.update((state) => {
      const mine = state.pending.filter((entry) => belongsTo(entry, account));
      if (mine.length === 0) {
        return false;
      }
      internals.moveToFailed(state, mine.map((entry) => ({ id: entry.id, failure })));
      return mine.length;
    });
    return moved === false ? 0 : moved;
  }

  /** This machine's device for the account, if one was made. */
  device(account: Account): StoredDevice | undefined {
    return this.read().devices?.[internals.deviceName(account)];
  }

  /** Stores the account's device durably: before its first push, and once a push of it has been answered. */
  async saveDevice(account: Account, device: StoredDevice): Promise<void> {
    await this.update((state) => {
      state.devices = { ...state.devices, [internals.deviceName(account)]: device };
      return true;
    });
  }

  /** Forgets the account's device (its logout with nothing queued); the next push makes a new one. */
  async deleteDevice(account: Account): Promise<void> {
    await this.update((state) => {
      const name = internals.deviceName(account);
      if (state.devices?.[name] === undefined) {
        return false;
      }
      const { [name]: _gone, ...rest } = state.devices;
      if (Object.keys(rest).length === 0) {
        delete state.devices;
      } else {
        state.devices = rest;
      }
      return true;
    });
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

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, work, this.lockOptions);
  }

  /** Only under the lock, which also makes leftovers of a writer that died safe to delete. */
  private async write(state: OutboxState): Promise<void> {
    await removeAbandonedTemporaries(this.path);
    await writeFileAtomic(this.path, internals.serialise(state));
  }
}
