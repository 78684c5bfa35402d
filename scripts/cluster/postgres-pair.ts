import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import postgres from 'postgres';

import { findPostgresBinary, freePostgresPort, ownByPostgres, runPostgresCommand } from '../../test/helpers/postgres.js';

/** A throwaway primary and its synchronous hot standby on 127.0.0.1, for failover tests. */
export interface PostgresPair {
  primaryPort: number;
  standbyPort: number;
  /** `postgres://postgres@127.0.0.1:<primary>,127.0.0.1:<standby>/<database>`: what the instances are given. */
  multiHostUrl(database: string): string;
  /** A URL to one server. */
  url(port: number, database: string): string;
  /** Every process of the primary, postmaster first, as a crash would take them. */
  primaryPids(): number[];
  /** SIGKILLs every process of the primary: connections are reset, new ones refused. */
  killPrimary(): number;
  /** SIGSTOPs every process of the primary: a machine that vanished; connections hang and nothing is refused. */
  freezePrimary(): number;
  /** `pg_ctl promote -w`: the standby becomes the primary and accepts writes. */
  promoteStandby(): Promise<void>;
  /** Kills what is left (frozen processes included) and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

const internals = {
  /** The standby's name, which the primary waits for on every commit. */
  standbyName: 'shop_standby',

  serverSettings(port: number, dir: string, extra: string[]): string {
    return [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      // Durability against a machine crash is not what this tests; synchronous replication is.
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c wal_receiver_status_interval=1',
      ...extra,
    ].join(' ');
  },

  /** Children of `pid`, read from /proc (the backends, walsender, checkpointer… of a postmaster). */
  childrenOf(pid: number): number[] {
    const children: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) {
        continue;
      }
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) {
          children.push(Number(entry));
        }
      } catch {
        // Exited meanwhile.
      }
    }
    return children;
  },

  postmasterPid(dataDir: string): number {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  },

  signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  },
};

/**
 * `initdb` a primary, start it with `synchronous_standby_names` naming the standby, `pg_basebackup -R` the standby
 * from it, start that as a hot standby, and wait until the primary reports it as `sync`: from then on a commit is
 * acknowledged only once the standby has it. Everything runs as the `postgres` user when this process is root.
 */
export async function startPostgresPair(): Promise<PostgresPair> {
  const initdb = findPostgresBinary('initdb');
  const pgCtl = findPostgresBinary('pg_ctl');
  const basebackup = findPostgresBinary('pg_basebackup');
  const dir = await mkdtemp(join(tmpdir(), 'shop-pg-pair-'));
  ownByPostgres(dir);
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const [primaryPort, standbyPort] = [await freePostgresPort(), await freePostgresPort()];
  const killed = new Set<number>();
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    for (const pid of killed) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const data of [primaryDir, standbyDir]) {
      await runPostgresCommand(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], dir).catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await runPostgresCommand(initdb, ['-D', primaryDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--no-locale'], dir);
    const primarySettings = internals.serverSettings(primaryPort, dir, [`-c synchronous_standby_names=${internals.standbyName}`, '-c synchronous_commit=on']);
    await runPostgresCommand(pgCtl, ['-D', primaryDir, '-l', join(dir, 'primary.log'), '-o', primarySettings, '-w', '-t', '60', 'start'], dir);
    await runPostgresCommand(
      basebackup,
      ['-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync', '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
      dir,
    );
    // cluster_name is the application_name the walreceiver connects with, which synchronous_standby_names matches.
    const standbySettings = internals.serverSettings(standbyPort, dir, [`-c cluster_name=${internals.standbyName}`, '-c hot_standby=on']);
    await runPostgresCommand(pgCtl, ['-D', standbyDir, '-l', join(dir, 'standby.log'), '-o', standbySettings, '-w', '-t', '60', 'start'], dir);

    const admin = postgres(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`, { max: 1, onnotice: () => {}, fetch_types: false });
    try {
      for (let waited = 0; ; waited += 100) {
        const rows = await admin<{ sync_state: string }[]>`SELECT sync_state FROM pg_stat_replication`;
        if (rows.some((row) => row.sync_state === 'sync')) {
          break;
        }
        if (waited > 30_000) {
          throw new Error('the standby did not become synchronous within 30 s');
        }
        await sleep(100);
      }
    } finally {
      await admin.end({ timeout: 1 });
    }
  } catch (error) {
    const tail = (file: string): string => {
      try {
        return readFileSync(join(dir, file), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      } catch {
        return '(none)';
      }
    };
    await stop();
    throw new Error(`could not start a primary and standby: ${(error as Error).message}\n--- primary.log ---\n${tail('primary.log')}\n--- standby.log ---\n${tail('standby.log')}`, {
      cause: error,
    });
  }

  const primaryPids = (): number[] => {
    const postmaster = internals.postmasterPid(primaryDir);
    return [postmaster, ...internals.childrenOf(postmaster)];
  };

  return {
    primaryPort,
    standbyPort,
    multiHostUrl: (database) => `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/${database}`,
    url: (port, database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    primaryPids,
    killPrimary() {
      const pids = primaryPids();
      internals.signalAll(pids, 'SIGKILL');
      return pids.length;
    },
    freezePrimary() {
      const pids = primaryPids();
      // The postmaster first, so it does not react to its children stopping.
      internals.signalAll(pids, 'SIGSTOP');
      for (const pid of pids) {
        killed.add(pid);
      }
      return pids.length;
    },
    async promoteStandby() {
      await runPostgresCommand(pgCtl, ['-D', standbyDir, '-w', '-t', '60', 'promote'], dir);
    },
    stop,
  };
}
