import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

import postgres, { type Sql } from 'postgres';

/** A throwaway Postgres server in a temp directory, for tests. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, a superuser with trust authentication. */
  adminUrl: string;
  /** Stops the server at once (no checkpoint) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Stops the server at once, as a crash or an outage would, but keeps its data directory: connections are cut, and
   * new ones are refused until {@link PostgresCluster.restart}.
   */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and data directory (it recovers from its WAL first). */
  restart(): Promise<void>;
}

export interface PostgresClusterOptions {
  /**
   * Keep every acknowledged commit across {@link PostgresCluster.halt}: tests that stop the server mid-run and count
   * what survived need this. Off by default, for speed.
   */
  durableCommits?: boolean;
}

/** One database created for a test; `url` is what `openStore` takes. */
export interface TestDatabase {
  url: string;
  /**
   * Empties every table except `schema_migrations`, keeping the schema: much cheaper than a new database when a suite
   * wants a clean one per test.
   */
  reset(): Promise<void>;
  /** Drops the database, disconnecting anyone still connected. */
  drop(): Promise<void>;
}

const run = promisify(execFile);

const internals = {
  binDirs: '/usr/lib/postgresql',
  startAttempts: 3,
  lazyCluster: undefined as Promise<PostgresCluster> | undefined,
  admins: new Map<string, Sql>(),

  /** `name` on PATH, else in the newest /usr/lib/postgresql/<version>/bin (Debian and Ubuntu keep them there). */
  findBinary(name: string): string {
    for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not in this directory.
      }
    }
    const versions = existsSync(internals.binDirs)
      ? readdirSync(internals.binDirs)
          .filter((version) => existsSync(join(internals.binDirs, version, 'bin', name)))
          .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
      : [];
    const newest = versions[0];
    if (newest === undefined) {
      throw new Error(
        `${name} was found neither on PATH nor in ${internals.binDirs}/*/bin: install PostgreSQL (e.g. apt-get install postgresql) ` +
          'or point SHOP_TEST_PG_ADMIN_URL at a Postgres server the tests may create databases on',
      );
    }
    return join(internals.binDirs, newest, 'bin', name);
  },

  /** Postgres refuses to run as root, so as root every command runs as the `postgres` user. */
  command(binary: string, args: string[]): [string, string[]] {
    return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  },

  async exec(binary: string, args: string[], cwd: string): Promise<void> {
    const [file, argv] = internals.command(binary, args);
    try {
      await run(file, argv, { cwd, env: { ...process.env, LC_ALL: 'C' } });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${[file, ...argv].join(' ')} failed: ${(stderr || stdout || String(error)).trim()}`, { cause: error });
    }
  },

  ownedByPostgres(dir: string): void {
    if (process.getuid?.() !== 0) {
      return;
    }
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  },

  freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
  },

  logTail(file: string, lines = 30): string {
    try {
      return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log was written)';
    }
  },

  admin(adminUrl: string): Sql {
    let sql = internals.admins.get(adminUrl);
    if (!sql) {
      sql = postgres(adminUrl, { max: 4, idle_timeout: 2, connect_timeout: 10, onnotice: () => {}, fetch_types: false });
      internals.admins.set(adminUrl, sql);
    }
    return sql;
  },

  /** The cluster this process creates its databases on; see {@link createTestDatabase}. */
  async adminUrl(): Promise<string> {
    const shared = process.env.SHOP_TEST_PG_ADMIN_URL?.trim();
    if (shared) {
      return shared;
    }
    const databaseUrl = process.env.DATABASE_URL?.trim();
    if (databaseUrl && /^postgres(?:ql)?:\/\//i.test(databaseUrl)) {
      return databaseUrl;
    }
    internals.lazyCluster ??= internals.launch().then(({ cluster, stopSync }) => {
      // 'exit' handlers must be synchronous; an immediate stop is enough for a server whose data is thrown away.
      process.once('exit', stopSync);
      // A signal skips 'exit': stop the server, then let the signal do what it would have done.
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.once(signal, () => {
          stopSync();
          if (process.listenerCount(signal) === 0) {
            process.kill(process.pid, signal);
          }
        });
      }
      return cluster;
    });
    return (await internals.lazyCluster).adminUrl;
  },

  /** Starts a cluster; `stopSync` is the same as `cluster.stop()` but blocks, for use in a process 'exit' handler. */
  async launch(options: PostgresClusterOptions = {}): Promise<{ cluster: PostgresCluster; stopSync: () => void }> {
    const initdb = internals.findBinary('initdb');
    const pgCtl = internals.findBinary('pg_ctl');
    const dir = await mkdtemp(join(tmpdir(), 'shop-pg-'));
    const dataDir = join(dir, 'data');
    const logFile = join(dir, 'log');
    const stopArgs = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];

    let stopped = false;
    const stopSync = (): void => {
      if (!stopped) {
        stopped = true;
        const [file, argv] = internals.command(pgCtl, stopArgs);
        spawnSync(file, argv, { cwd: dir, stdio: 'ignore' });
        rmSync(dir, { recursive: true, force: true });
      }
    };

    try {
      internals.ownedByPostgres(dir);
      await internals.exec(initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--no-locale'], dir);
      const server = { pgCtl, dir, dataDir, logFile, durableCommits: options.durableCommits === true };
      const port = await internals.startServer(server);
      const cluster: PostgresCluster = {
        adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
        async stop() {
          if (!stopped) {
            stopped = true;
            // An already stopped server is fine: the directory goes either way.
            await internals.exec(pgCtl, stopArgs, dir).catch(() => {});
            await rm(dir, { recursive: true, force: true });
          }
        },
        async halt() {
          await internals.exec(pgCtl, stopArgs, dir);
        },
        async restart() {
          await internals.startServer(server, port);
        },
      };
      return { cluster, stopSync };
    } catch (error) {
      stopSync();
      throw new Error(
        `could not start a throwaway Postgres for the tests (set SHOP_TEST_PG_ADMIN_URL to use an existing server): ${(error as Error).message}`,
        { cause: error },
      );
    }
  },

  /**
   * Starts the server on `fixedPort`, or else on a free port, and returns the port. Throws with the tail of the server
   * log.
   */
  async startServer(
    { pgCtl, dir, dataDir, logFile, durableCommits }: { pgCtl: string; dir: string; dataDir: string; logFile: string; durableCommits: boolean },
    fixedPort?: number,
  ): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const port = fixedPort ?? (await internals.freePort());
      const settings = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        // Without fsync a commit still reaches the OS before it is acknowledged, which survives the server being
        // killed; only a machine crash could lose it, and test data does not outlive one.
        '-c fsync=off',
        // Acknowledges commits before their WAL leaves the server's memory: faster, but an immediate stop loses them.
        ...(durableCommits ? [] : ['-c synchronous_commit=off']),
        '-c full_page_writes=off',
        // Suites open a pool per store and run many stores in parallel.
        '-c max_connections=300',
      ].join(' ');
      try {
        await internals.exec(pgCtl, ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start'], dir);
        return port;
      } catch (error) {
        const log = internals.logTail(logFile);
        // Another process may have taken the port between freePort() and the server binding it.
        if (attempt < internals.startAttempts && /could not bind|address already in use/i.test(log)) {
          continue;
        }
        throw new Error(`${(error as Error).message}\n--- tail of ${logFile} ---\n${log}`, { cause: error });
      }
    }
  },
};

/** The path of a PostgreSQL program (`initdb`, `pg_ctl`, `pg_basebackup`…): on PATH, else Debian's newest version. */
export function findPostgresBinary(name: string): string {
  return internals.findBinary(name);
}

/** Runs a PostgreSQL program in `cwd`, as the `postgres` user when this process is root; rejects with its stderr. */
export function runPostgresCommand(binary: string, args: string[], cwd: string): Promise<void> {
  return internals.exec(binary, args, cwd);
}

/** Gives `dir` to the `postgres` user when this process is root (the server refuses to run as root). */
export function ownByPostgres(dir: string): void {
  internals.ownedByPostgres(dir);
}

/** A port free on 127.0.0.1 right now. */
export function freePostgresPort(): Promise<number> {
  return internals.freePort();
}

/**
 * Starts a fresh Postgres server: `initdb` into a new temp directory, then `pg_ctl start` on a free 127.0.0.1 port with
 * durability switched off (the data is thrown away; see {@link PostgresClusterOptions} to keep commits across a halt).
 * Throws with the server log's tail when it cannot.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  return (await internals.launch(options)).cluster;
}

/**
 * Creates an empty database with a unique name, on the first of: the cluster in `SHOP_TEST_PG_ADMIN_URL` (the test
 * runner starts one for the whole run), `DATABASE_URL` when it is a postgres URL (used as an admin connection), or a
 * cluster this process starts on first use and stops when it exits. There is no skipping: when Postgres cannot be
 * had, this throws, in CI and everywhere else.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = await internals.adminUrl();
  const admin = internals.admin(adminUrl);
  const name = `shop_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin`CREATE DATABASE ${admin(name)}`;
  } catch (error) {
    throw new Error(`could not create test database ${name} on ${adminUrl}: ${(error as Error).message}`, { cause: error });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let own: Sql | undefined;
  let dropped = false;
  return {
    url: url.toString(),
    async reset() {
      own ??= postgres(url.toString(), { max: 1, onnotice: () => {}, fetch_types: false });
      const tables = await own<{ name: string }[]>`
        SELECT quote_ident(tablename) AS name FROM pg_tables
        WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`;
      if (tables.length > 0) {
        await own.unsafe(`TRUNCATE ${tables.map((table) => table.name).join(', ')} CASCADE`);
      }
    },
    async drop() {
      if (!dropped) {
        dropped = true;
        await own?.end({ timeout: 0 });
        await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
      }
    },
  };
}
