import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** What the checkpoint thread is started with. */
export interface CheckpointWorkerData {
  filename: string;
  /** How often it checkpoints. */
  intervalMs: number;
  /** WAL length, in frames, past which it waits for the writer to copy everything and restart the WAL. */
  restartFrames: number;
  /** How long a RESTART checkpoint waits for the writer before trying again at the next tick. */
  busyTimeoutMs: number;
}

/** What the checkpoint thread tells the store: that it has its connection, and what went wrong. */
export type CheckpointWorkerReply = { kind: 'ready' } | { kind: 'error'; message: string };

export interface CheckpointerOptions {
  intervalMs?: number;
  restartFrames?: number;
  /** Told of a checkpoint that failed for another reason than a busy lock, or of the thread dying. */
  onError?: (message: string) => void;
}

export interface SqliteCheckpointer {
  /** Resolves once the thread has opened its connection and checkpoints; rejects if it died before. */
  readonly ready: Promise<void>;
  /** Stops the thread and closes its connection; resolves once it has. */
  stop(): Promise<void>;
}

const internals = {
  /** Often enough that each checkpoint copies a few hundred frames under load; a no-op costs microseconds. */
  intervalMs: 100,
  /** ~16 MB of WAL with 4 KiB pages. */
  restartFrames: 4000,
  busyTimeoutMs: 1000,
  /** How long `stop` waits for the thread to close its connection before terminating it. */
  stopTimeoutMs: 5000,

  /**
   * The thread's entry. Built, it is the compiled .js beside this file. Run from source (tests, `tsx`), it is a .ts
   * file, which Node 20 cannot load in a worker by itself: a two-line bootstrap registers tsx's loader first.
   */
  entry(): { script: URL | string; eval: boolean } {
    const self = import.meta.url;
    if (!self.endsWith('.ts')) {
      return { script: new URL('./sqlite-checkpoint-worker.js', self), eval: false };
    }
    // tsx's ES-module API (its exports map's `import` condition), beside the CommonJS one `require.resolve` finds.
    const tsx = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const worker = new URL('./sqlite-checkpoint-worker.ts', self).href;
    return {
      script: `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(worker)}); });`,
      eval: true,
    };
  },
};

/**
 * Runs the WAL checkpoints of a SQLite database file in a worker thread with its own connection.
 *
 * A checkpoint copies committed pages from the WAL into the database file and fsyncs both. SQLite's automatic one
 * runs inside whichever COMMIT crosses 1,000 frames, on the thread that committed: for the server that is the event
 * loop, which then stands still for milliseconds while every request waits (measured on a small keyed write
 * transaction: 122 µs on average with the checkpoints in it, 43 µs without). Here the copying and the syncs happen on another thread; the server's own
 * connection keeps SQLite's automatic checkpoint only as a backstop, at a much longer WAL (see sqlite.ts), in case
 * this thread dies or cannot keep up.
 *
 * Several server processes on one file each run one; SQLite lets one checkpoint run at a time and the others skip.
 */
export function startSqliteCheckpointer(filename: string, options: CheckpointerOptions = {}): SqliteCheckpointer {
  const { script, eval: isEval } = internals.entry();
  const workerData: CheckpointWorkerData = {
    filename,
    intervalMs: options.intervalMs ?? internals.intervalMs,
    restartFrames: options.restartFrames ?? internals.restartFrames,
    busyTimeoutMs: internals.busyTimeoutMs,
  };
  const worker = new Worker(script, { eval: isEval, workerData });
  // Housekeeping must never keep a process alive that has nothing else to do.
  worker.unref();
  let stopping = false;
  let markReady: () => void = () => {};
  let markFailed: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => {}); // only tests wait for it; a thread that dies is reported through onError
  worker.on('message', (reply: CheckpointWorkerReply) => {
    if (reply.kind === 'ready') {
      markReady();
    } else {
      options.onError?.(`WAL checkpoint failed: ${reply.message}`);
    }
  });
  worker.on('error', (error) => {
    markFailed(error);
    options.onError?.(`the WAL checkpoint thread died: ${error.message}`);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exited.then(() => markFailed(new Error('the WAL checkpoint thread exited')));

  return {
    ready,
    async stop() {
      if (stopping) {
        await exited;
        return;
      }
      stopping = true;
      // Unreferenced, the thread would let the process exit in the middle of this await, leaving the connection open.
      worker.ref();
      worker.postMessage('stop');
      const timedOut = await Promise.race([exited.then(() => false), sleep(internals.stopTimeoutMs, true, { ref: false })]);
      if (timedOut) {
        await worker.terminate();
      }
    },
  };
}
