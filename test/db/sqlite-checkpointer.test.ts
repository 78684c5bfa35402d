import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import Database from 'better-sqlite3';

import { startSqliteCheckpointer, type SqliteCheckpointer } from '../../server/db/sqlite-checkpointer.js';
import { openSqliteStore } from '../../server/db/sqlite.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

const internals = {
  pageSize: 4096,
  /** A row bigger than half a page, so that every transaction below writes at least one new page to the WAL. */
  value: 'x'.repeat(3000),

  size(path: string): number {
    return existsSync(path) ? statSync(path).size : 0;
  },

  async waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) {
        return false;
      }
      await sleep(20);
    }
    return true;
  },
};

describe('sqlite checkpoint thread', () => {
  let dir: string;
  let file: string;
  let writer: Database.Database;
  let checkpointer: SqliteCheckpointer | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-checkpoint-'));
    file = join(dir, 'shop.db');
    // The test's own connection stands for the server's, with SQLite's automatic checkpoint off: whatever reaches the
    // database file gets there through the thread.
    writer = new Database(file, { timeout: 5000 });
    writer.pragma('journal_mode = WAL');
    writer.pragma('synchronous = NORMAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
  });

  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file', async () => {
    checkpointer = startSqliteCheckpointer(file, { intervalMs: 10 });
    await checkpointer.ready;
    const before = internals.size(file);

    const insert = writer.prepare('INSERT INTO rows (value) VALUES (?)');
    for (let i = 0; i < 200; i++) {
      insert.run(internals.value);
    }

    // 200 rows of 3 KB need 200 pages more in the database file, and only a checkpoint puts them there.
    expect(await internals.waitFor(() => internals.size(file) >= before + 200 * internals.pageSize)).to.be.true();
  });

  it('restarts the WAL under a steady stream of commits, so it stays short', async () => {
    checkpointer = startSqliteCheckpointer(file, { intervalMs: 5, restartFrames: 100 });
    await checkpointer.ready;

    const insert = writer.prepare('INSERT INTO rows (value) VALUES (?)');
    const commits = 3000;
    for (let i = 0; i < commits; i++) {
      insert.run(internals.value);
      if (i % 10 === 0) {
        await sleep(1); // a steady stream, not one burst the thread could only watch
      }
    }

    // Never restarted, the WAL would hold a frame per commit: 3,000 pages, 12 MB. Restarted at 100 frames, it is
    // rewritten from its start again and again and never grows far past that.
    expect(internals.size(`${file}-wal`)).to.be.below((commits * internals.pageSize) / 3);
    expect(writer.prepare('SELECT count(*) FROM rows').pluck().get()).to.equal(commits);
  });

  it('closes its connection when stopped', async () => {
    checkpointer = startSqliteCheckpointer(file);
    await checkpointer.ready;
    await checkpointer.stop();
    writer.close();

    // SQLite removes the WAL when its last connection closes: the thread's had closed before the writer's.
    expect(existsSync(`${file}-wal`)).to.be.false();
    writer = new Database(file); // for afterEach
  });

  it('reports a database it cannot open, and does not keep the process waiting', async () => {
    const errors: string[] = [];
    checkpointer = startSqliteCheckpointer(join(dir, 'missing.db'), { onError: (message) => errors.push(message) });

    await expect(checkpointer.ready).to.reject();
    expect(errors.join('\n')).to.contain('checkpoint thread died');
  });
});

describe('sqlite store checkpoints', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-checkpoint-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('checkpoints a database file from its thread, long before its own connection would, and leaves no WAL when closed', async () => {
    const file = join(dir, 'shop.db');
    const store = await openSqliteStore(file, { checkpoints: { intervalMs: 10 } });
    const userId = 'u-1';
    await store.users.create({ id: userId, email: 'a@example.com', passwordHash: 'x', createdAt: new Date() });
    const before = internals.size(file);

    for (let i = 0; i < 100; i++) {
      await store.preferences.set(userId, `key-${i}`, internals.value, new Date());
    }

    // 100 commits are far below the 16,000 frames at which the store's own connection would checkpoint.
    const copied = await internals.waitFor(() => internals.size(file) >= before + 50 * internals.pageSize);
    await store.close();
    expect(copied).to.be.true();
    expect(existsSync(`${file}-wal`)).to.be.false();
  });
});
