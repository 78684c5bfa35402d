import { chmod, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes the SQLite database's directory (0700 when created here) and file (0600) the owner's alone before SQLite opens
 * it. SQLite creates the `-wal` and `-shm` files with the mode of the database file, so they follow. Files an older
 * version left readable by others are tightened: they hold password hashes and tokens' hashes.
 */
export async function preparePrivateDatabaseFile(filename: string): Promise<void> {
  await mkdir(dirname(filename), { recursive: true, mode: 0o700 });
  // 'a' creates the file if missing (with this mode, less the umask) and never truncates one that exists.
  await (await open(filename, 'a', 0o600)).close();
  for (const path of [filename, `${filename}-wal`, `${filename}-shm`, `${filename}-journal`]) {
    const mode = await stat(path).then((info) => info.mode, () => undefined);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      await chmod(path, mode & 0o700);
    }
  }
}
