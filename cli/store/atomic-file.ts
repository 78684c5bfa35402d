import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { uniqueName } from '../unique-id.js';
import { fsAsync } from './fs-async.js';
import { assertPrivateDirectory, ensurePrivateDirectory } from './private-paths.js';

/** Files `shop` keeps hold a cart, preferences and pending changes: owner only, like the credentials. */
const PRIVATE_FILE_MODE = 0o600;

const internals = {
  temporaryPrefix: (path: string): string => `.${basename(path)}.`,
  temporarySuffix: '.tmp',

  /** Flushes a file or directory to the disk. */
  async sync(path: string, flags: 'r' | 'r+'): Promise<void> {
    const fd = await fsAsync.open(path, flags);
    try {
      await fsAsync.fsync(fd);
    } finally {
      await fsAsync.close(fd);
    }
  },
};

export interface AtomicWriteOptions {
  /**
   * Flush the file, then the rename, to disk before resolving (the default). A cache, which the server can refill and
   * which its reader takes as empty when unreadable, does without: a killed process still leaves the old file or the
   * new one, and only a power cut could cost it the last write.
   */
  durable?: boolean;
}

/**
 * Replaces the file at `path` with `text` so that a crash at any moment — kill -9, power loss — leaves either the old
 * file or the new one, never a torn mix: the text goes to a temporary file in the same directory, is flushed to disk,
 * and only then renamed over the old file (rename is atomic within a file system); then the directory is flushed too,
 * so the rename itself survives a power cut. Resolves only once all of that is done, so a caller may tell the user the
 * change is safe.
 *
 * The file is never written through a symbolic link: the temporary file is created exclusively (`wx` fails on any
 * existing name, a link included) and renamed over `path`, which replaces a link rather than following it. A directory
 * other users could write to is refused first (see `private-paths.ts`).
 *
 * Callers serialise writers of one file with a lock, which also makes leftover temporary files from a writer that
 * died safe to delete: see {@link removeAbandonedTemporaries}.
 */
export async function writeFileAtomic(path: string, text: string, { durable = true }: AtomicWriteOptions = {}): Promise<void> {
  const directory = dirname(path);
  ensurePrivateDirectory(directory);
  const temporary = join(directory, `${internals.temporaryPrefix(path)}${uniqueName()}${internals.temporarySuffix}`);
  try {
    const fd = await fsAsync.open(temporary, 'wx', PRIVATE_FILE_MODE);
    try {
      await fsAsync.writeAll(fd, text);
      if (durable) {
        await fsAsync.fsync(fd);
      }
    } finally {
      await fsAsync.close(fd);
    }
    await fsAsync.rename(temporary, path);
  } catch (error) {
    await fsAsync.unlink(temporary).catch(() => undefined);
    throw error;
  }
  if (!durable) {
    return;
  }
  // Windows cannot open a directory to flush it; NTFS journals the rename itself.
  await internals.sync(directory, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EISDIR' && error.code !== 'EPERM' && error.code !== 'EACCES') {
      throw error;
    }
  });
}

/**
 * Deletes temporary files a writer of `path` left behind when it was killed mid-write. Only safe while holding the
 * lock that serialises writers of `path`: then no live writer has a temporary file of its own.
 */
export async function removeAbandonedTemporaries(path: string): Promise<void> {
  const prefix = internals.temporaryPrefix(path);
  let names: string[];
  try {
    names = await fsAsync.readdir(dirname(path));
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith(internals.temporarySuffix))
      .map((name) => fsAsync.unlink(join(dirname(path), name)).catch(() => undefined)),
  );
}

/**
 * Reads a whole file, or `undefined` when there is none. Synchronous on purpose: the outbox is read before every
 * command that reaches the server, and one small read beats the promise machinery for a file that is usually absent.
 */
export function readTextFile(path: string): string | undefined {
  // What another user could have put here is not read: queued changes would be sent under this user's login.
  assertPrivateDirectory(dirname(path));
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}
