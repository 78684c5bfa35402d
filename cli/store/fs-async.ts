import { chmod, close, fsync, link, open, readdir, readFile, rename, stat, unlink, utimes, write, writeFile } from 'node:fs';
import { promisify } from 'node:util';

const writeChunk = promisify(write);

/**
 * The promise-returning file functions the CLI's stores use, built on node:fs's callbacks. node:fs/promises would do,
 * but loading it loads FileHandle's streams and node:readline (for `readLines`) too: ~4 ms on every `shop` call that
 * touches a file, which is nearly all of them, for none of what they use. Same errors, same codes.
 */
export const fsAsync = {
  chmod: promisify(chmod),
  link: promisify(link),
  readdir: promisify(readdir) as (path: string) => Promise<string[]>,
  readFile: promisify(readFile) as (path: string, encoding: 'utf8') => Promise<string>,
  rename: promisify(rename),
  stat: promisify(stat),
  unlink: promisify(unlink),
  utimes: promisify(utimes),
  writeFile: promisify(writeFile) as (path: string, text: string, options: { mode: number; flag: string }) => Promise<void>,
  open: promisify(open) as (path: string, flags: string, mode?: number) => Promise<number>,
  fsync: promisify(fsync),
  close: promisify(close),
  /** Writes all of `text` at the file's position, however many writes that takes. */
  async writeAll(fd: number, text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length; ) {
      offset += (await writeChunk(fd, bytes, offset, bytes.length - offset, null)).bytesWritten;
    }
  },
};
