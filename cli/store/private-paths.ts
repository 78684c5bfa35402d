import { constants, lstatSync, mkdirSync, statSync } from 'node:fs';

import { UserError } from '../errors.js';

/**
 * Opening flags for appending to a file `shop` owns: created private if missing, and never through a symbolic link
 * (O_NOFOLLOW makes the open fail with ELOOP instead). Windows has no O_NOFOLLOW; there links need privileges to make.
 */
export const APPEND_NO_FOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

const internals = {
  /** Owner and permission checks need POSIX ids; on Windows ACLs protect the per-user profile instead. */
  uid(): number | undefined {
    return typeof process.getuid === 'function' ? process.getuid() : undefined;
  },
};

/**
 * Why `directory` is not safe to keep tokens and queued changes in, or `undefined` when it is (or does not exist yet).
 * Another user who can write to it could swap a file for a symbolic link to one of yours, or for one of their own
 * (a `server` setting that sends your password to them); a directory someone else owns is theirs to change.
 */
export function unsafeDirectoryProblem(directory: string): string | undefined {
  const uid = internals.uid();
  if (uid === undefined) {
    return undefined;
  }
  let info;
  try {
    info = statSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  if (!info.isDirectory()) {
    return `${directory} is not a directory`;
  }
  if (info.uid !== uid) {
    return `${directory} belongs to another user (uid ${info.uid}); shop keeps its files only in a directory of your own`;
  }
  if ((info.mode & 0o022) !== 0) {
    return `${directory} can be written by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 700 ${directory}`;
  }
  return undefined;
}

/** Refuses (exit 1, one line) to read from or write to a directory other users could change. */
export function assertPrivateDirectory(directory: string): void {
  const problem = unsafeDirectoryProblem(directory);
  if (problem !== undefined) {
    throw new UserError(problem);
  }
}

/** Creates `directory` (0700) if missing, then refuses it as {@link assertPrivateDirectory} does. */
export function ensurePrivateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  assertPrivateDirectory(directory);
}

/**
 * Refuses to write `path` when it is a symbolic link: a writer that follows it (conf writes to a link's target and
 * chmods it) would put tokens wherever the link points.
 */
export function refuseSymbolicLink(path: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  if (isLink) {
    throw new UserError(`${path} is a symbolic link; shop does not write through links: remove it and run the command again`);
  }
}
