import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { uniqueName } from '../unique-id.js';
import { fsAsync } from './fs-async.js';

/**
 * The process taking a lock, written into the lock file so that others can tell a lock left behind by a process that
 * died (kill -9, a crash, a closed laptop lid that never reopened) from one that is merely held. cli/main.ts builds it
 * from `process`; without one, only the lock file's age says it was abandoned.
 */
export interface LockHolder {
  pid: number;
  /** Process ids mean nothing on another machine (a config directory on a network share). */
  host: string;
  /** Whether a process with this id is running on this machine. */
  isAlive(pid: number): boolean;
}

export interface FileLockOptions {
  holder?: LockHolder;
  /** A lock file not touched for this long was left by a process that died; it is taken over. */
  staleMs?: number;
  /** How long to wait between attempts. */
  pollMs?: number;
  /**
   * While `work` runs, the lock file's time is renewed this often, so a holder busy for longer than `staleMs` (a sync
   * of a long outbox) is not taken for dead.
   */
  heartbeatMs?: number;
}

interface LockRecord {
  pid: number;
  host: string;
  /** Unique per acquisition, so a holder never removes a lock that has since become someone else's. */
  token: string;
}

const internals = {
  defaultStaleMs: 10_000,
  defaultPollMs: 25,
  /** A candidate file this old belongs to a process that died before it could link it into place. */
  abandonedCandidateMs: 5_000,
  candidateSuffix: '.candidate',

  parse(text: string): LockRecord | undefined {
    try {
      const value = JSON.parse(text) as Partial<LockRecord>;
      if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') {
        return { pid: value.pid, host: value.host, token: value.token };
      }
    } catch {
      // Not ours, or written by an older shop: judged by age alone.
    }
    return undefined;
  },

  async readLock(path: string): Promise<{ text: string; modifiedMs: number } | undefined> {
    try {
      const [text, info] = await Promise.all([fsAsync.readFile(path, 'utf8'), fsAsync.stat(path)]);
      return { text, modifiedMs: info.mtimeMs };
    } catch {
      // Released meanwhile.
      return undefined;
    }
  },

  isAbandoned(lock: { text: string; modifiedMs: number }, options: FileLockOptions): boolean {
    const record = internals.parse(lock.text);
    const holder = options.holder;
    if (record !== undefined && holder !== undefined && record.host === holder.host && !holder.isAlive(record.pid)) {
      return true;
    }
    return Date.now() - lock.modifiedMs > (options.staleMs ?? internals.defaultStaleMs);
  },

  /**
   * Removes an abandoned lock without ever removing a live one. Deleting by name is not enough: between judging the
   * lock abandoned and deleting it, another waiter may have taken it over and created a fresh lock under the same
   * name. So the file is first moved aside atomically; if what was moved is not the lock that was judged, it is put
   * back (link fails rather than overwrite should yet another lock have appeared).
   */
  async takeOver(path: string, judged: string): Promise<void> {
    const aside = `${path}.${uniqueName()}.abandoned`;
    try {
      await fsAsync.rename(path, aside);
    } catch {
      return; // Someone else took it over first.
    }
    const moved = await fsAsync.readFile(aside, 'utf8').catch(() => judged);
    if (moved !== judged) {
      await fsAsync.link(aside, path).catch(() => undefined);
    }
    await fsAsync.unlink(aside).catch(() => undefined);
  },

  /**
   * Takes the lock by hard-linking a fully written candidate file to the lock's name: link fails if the name exists,
   * so only one process wins, and the lock never exists without its holder's record in it. (Creating the lock file
   * and then writing to it would leave an empty lock behind a process killed in between, which only its age could
   * show to be abandoned.)
   */
  async acquire(path: string, record: LockRecord, options: FileLockOptions): Promise<void> {
    const text = JSON.stringify(record);
    const candidate = `${path}.${record.token}${internals.candidateSuffix}`;
    // 'wx': never through a link someone planted at the name.
    await fsAsync.writeFile(candidate, text, { mode: 0o600, flag: 'wx' });
    try {
      for (;;) {
        try {
          await fsAsync.link(candidate, path);
          return;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            // Cleared away as abandoned by another process: write it again.
            await fsAsync.writeFile(candidate, text, { mode: 0o600, flag: 'wx' });
            continue;
          }
          if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
            // A file system without hard links (FAT on a USB stick): create and write, and live with the window.
            if (await internals.createAndWrite(path, text)) {
              return;
            }
          } else if (code !== 'EEXIST') {
            throw error;
          }
        }
        const current = await internals.readLock(path);
        if (current !== undefined && internals.isAbandoned(current, options)) {
          await internals.takeOver(path, current.text);
          continue;
        }
        await sleep(options.pollMs ?? internals.defaultPollMs);
      }
    } finally {
      await fsAsync.unlink(candidate).catch(() => undefined);
    }
  },

  /** The lock without hard links: true when it was free and is now ours. */
  async createAndWrite(path: string, text: string): Promise<boolean> {
    try {
      await fsAsync.writeFile(path, text, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return false;
      }
      throw error;
    }
  },

  /** Removes candidate files left by processes that died while waiting for the lock. */
  async removeAbandonedCandidates(path: string): Promise<void> {
    const prefix = `${basename(path)}.`;
    const names = await fsAsync.readdir(dirname(path)).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((name) => name.startsWith(prefix) && name.endsWith(internals.candidateSuffix))
        .map(async (name) => {
          const candidate = join(dirname(path), name);
          const info = await fsAsync.stat(candidate).catch(() => undefined);
          if (info !== undefined && Date.now() - info.mtimeMs > internals.abandonedCandidateMs) {
            await fsAsync.unlink(candidate).catch(() => undefined);
          }
        }),
    );
  },

  /** Removes the lock only if it is still this acquisition's: a holder judged dead must not free its successor's. */
  async release(path: string, token: string): Promise<void> {
    const current = await internals.readLock(path);
    if (current !== undefined && internals.parse(current.text)?.token === token) {
      await fsAsync.unlink(path).catch(() => undefined);
    }
  },
};

/**
 * Runs `work` while holding an exclusive lock file. Used around token refresh (refresh tokens are single-use, and the
 * server revokes the whole family when one is presented twice), around every read-modify-write of the outbox and
 * the snapshot cache (so concurrent `shop` processes never lose each other's changes), and around a sync.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const record: LockRecord = { pid: options.holder?.pid ?? 0, host: options.holder?.host ?? '', token: uniqueName() };
  await internals.acquire(path, record, options);
  await internals.removeAbandonedCandidates(path);
  const heartbeat =
    options.heartbeatMs === undefined
      ? undefined
      : setInterval(() => {
          const now = new Date();
          fsAsync.utimes(path, now, now).catch(() => undefined);
        }, options.heartbeatMs);
  // A heartbeat must not keep a finished process alive.
  heartbeat?.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await internals.release(path, record.token);
  }
}
