import { open, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** A lock file older than this was left by a process that died; it is taken over. */
  staleMs?: number;
  /** How long to wait between attempts. */
  pollMs?: number;
}

/**
 * Runs `work` while holding an exclusive lock file. Used around token refresh: refresh tokens are single-use and the
 * server revokes the whole family when one is presented twice, so two `shop` processes started together (`xargs -P`)
 * must not both refresh with the same token.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const pollMs = options.pollMs ?? 25;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      if (await isStale(path, staleMs)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      await sleep(pollMs);
    }
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const info = await stat(path);
    return Date.now() - info.mtimeMs > staleMs;
  } catch {
    // Released between our open and this stat: not stale, just try again.
    return false;
  }
}
