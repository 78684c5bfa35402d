/**
 * The body of the SQLite checkpoint thread (see sqlite-checkpointer.ts): its own connection to the database file, a
 * timer, and nothing else. It never writes a row; it only copies committed WAL frames into the database file and
 * syncs them, which is the part of a commit that would otherwise stall the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';

import Database from 'better-sqlite3';

import type { CheckpointWorkerData, CheckpointWorkerReply } from './sqlite-checkpointer.js';
import { isSqliteBusy } from './sqlite-errors.js';

const internals = {
  reply(message: CheckpointWorkerReply): void {
    parentPort?.postMessage(message);
  },
};

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

const { filename, intervalMs, restartFrames, busyTimeoutMs } = workerData as CheckpointWorkerData;
const db = new Database(filename, { fileMustExist: true, timeout: busyTimeoutMs });

function checkpoint(): void {
  try {
    // PASSIVE copies what it can without waiting for anyone. Under a steady stream of commits there is always a newer
    // frame by the time it finishes, so the WAL is never found fully copied and is never restarted: it would grow
    // without end. Past `restartFrames`, RESTART waits for the writer (the server retries its BEGIN meanwhile, without
    // blocking), copies the rest and lets the next commit start the WAL from the beginning.
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
    if (passive !== undefined && passive.log >= restartFrames) {
      db.pragma('wal_checkpoint(RESTART)');
    }
  } catch (error) {
    // Busy: another connection (another server process) is checkpointing, or held the lock too long. Next tick.
    if (!isSqliteBusy(error)) {
      internals.reply({ kind: 'error', message: (error as Error).message });
    }
  }
}

const timer = setInterval(checkpoint, intervalMs);
internals.reply({ kind: 'ready' });

parentPort?.on('message', (message: unknown) => {
  if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort?.close(); // nothing left to keep the thread alive: it exits
  }
});
