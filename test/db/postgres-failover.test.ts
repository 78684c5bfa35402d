import { randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import postgres from 'postgres';

import { postgresConnectionOptions } from '../../server/db/postgres-connection.js';
import { openPostgresStore } from '../../server/db/postgres.js';
import { StoreUnavailableError, type Store } from '../../server/db/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

const internals = {
  /** The driver's own reading of `url` with shop's options on top: what a store would connect with. */
  driverOptions(url: string) {
    return postgres(url, postgresConnectionOptions(url)).options;
  },

  /** Backends the store under test holds (it connects as application_name 'shop'). */
  async storeBackends(raw: postgres.Sql): Promise<number[]> {
    const rows = await raw<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE application_name = 'shop' AND datname = current_database()`;
    return rows.map((row) => row.pid);
  },

  signal(pids: readonly number[], signal: NodeJS.Signals): void {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  },

  user() {
    return { id: randomUUID(), email: `${randomUUID().slice(0, 8)}@example.test`, passwordHash: 'x', createdAt: new Date() };
  },
};

describe('Postgres connection options', () => {
  it('asks for the primary when the URL names several hosts', () => {
    const options = internals.driverOptions('postgres://shop@db1:5432,db2:5433/shop');
    expect(options.host).to.equal(['db1', 'db2']);
    expect(options.target_session_attrs).to.equal('primary');
  });

  it('leaves target_session_attrs unset for a single host', () => {
    expect(internals.driverOptions('postgres://shop@db1/shop').target_session_attrs).to.not.exist();
  });

  it('bounds connecting, idling and a connection’s lifetime, and sends statement_timeout', () => {
    const options = internals.driverOptions('postgres://shop@db1/shop');
    expect(options.connect_timeout).to.equal(2);
    expect(options.idle_timeout).to.equal(30);
    expect(options.keep_alive).to.equal(10);
    expect(options.prepare).to.equal(true);
    expect(options.connection).to.include({ statement_timeout: 15_000, application_name: 'shop' });
    const lifetimes = Array.from({ length: 50 }, () => (options.max_lifetime as unknown as () => number)());
    expect(Math.min(...lifetimes)).to.be.at.least(60);
    expect(Math.max(...lifetimes)).to.be.at.most(120);
  });

  it('takes every setting the URL names over its own default', () => {
    const options = internals.driverOptions(
      'postgres://shop@db1,db2/shop?prepare=false&connect_timeout=7&max_lifetime=300&target_session_attrs=read-write&statement_timeout=2000',
    );
    expect(options.prepare).to.equal(false);
    expect(options.connect_timeout).to.equal(7);
    expect(options.max_lifetime).to.equal(300);
    expect(options.target_session_attrs).to.equal('read-write');
    expect((options.connection as Record<string, unknown>).statement_timeout).to.equal('2000');
  });
});

describe('Postgres store when the database fails', () => {
  let database: TestDatabase;
  let raw: postgres.Sql;
  let store: Store | undefined;
  let frozen: number[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
    raw = postgres(database.url, { max: 1, onnotice: () => {}, fetch_types: false });
  });

  afterEach(async () => {
    internals.signal(frozen, 'SIGCONT');
    frozen = [];
    await store?.close();
    store = undefined;
    await raw.end({ timeout: 1 });
    await database.drop();
  });

  it('replaces its connections when the server stops answering on them, and answers unavailable meanwhile', async () => {
    const warnings: string[] = [];
    store = await openPostgresStore(database.url, {
      max: 1,
      pool: { stalledAfterMs: 300, probeTimeoutMs: 200 },
      onWarning: (message) => warnings.push(message),
    });
    expect(await store.users.findById(randomUUID())).to.be.null();
    // A stopped backend keeps its socket open and never answers: to the store, a frozen server.
    frozen = await internals.storeBackends(raw);
    expect(frozen).to.have.length(1);
    internals.signal(frozen, 'SIGSTOP');

    const started = Date.now();
    await expect(store.users.findById(randomUUID())).to.reject(StoreUnavailableError);
    expect(Date.now() - started).to.be.below(5000);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^database connections replaced: no answer from the database/);
    // The new connection is another backend, which answers.
    expect(await store.users.findById(randomUUID())).to.be.null();
    expect((await internals.storeBackends(raw)).filter((pid) => !frozen.includes(pid))).to.have.length(1);
  });

  it('keeps its connections while a slow statement runs on a server that answers', async () => {
    const warnings: string[] = [];
    store = await openPostgresStore(database.url, { max: 2, pool: { stalledAfterMs: 200, probeTimeoutMs: 200 }, onWarning: (message) => warnings.push(message) });
    const rootStore = store;
    // A row lock held by another session makes the store's transaction wait, as contention would.
    const user = internals.user();
    await rootStore.users.create(user);
    let release = (): void => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = (): void => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const holder = raw.begin(async (tx) => {
      await tx`SELECT 1 FROM users WHERE id = ${user.id} FOR UPDATE`;
      held();
      await released;
    });
    await holding;
    const waiting = rootStore.transaction(async (tx) => {
      await tx.users.lock(user.id);
      return 'locked';
    });
    await new Promise((resolve) => setTimeout(resolve, 900));
    release();
    await holder;
    expect(await waiting).to.equal('locked');
    expect(warnings).to.equal([]);
  });

  it('answers a statement the server cancelled for running past statement_timeout as unavailable', async () => {
    store = await openPostgresStore(`${database.url}?statement_timeout=100`);
    const rootStore = store;
    const user = internals.user();
    await rootStore.users.create(user);
    let release = (): void => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = (): void => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const holder = raw.begin(async (tx) => {
      await tx`SELECT 1 FROM users WHERE id = ${user.id} FOR UPDATE`;
      held();
      await released;
    });
    await holding;
    try {
      await expect(rootStore.transaction((tx) => tx.users.lock(user.id))).to.reject(StoreUnavailableError, /statement timeout/);
    } finally {
      release();
      await holder;
    }
  });

  it('answers a transaction Postgres aborted to break a deadlock as unavailable, so the client retries it', async () => {
    store = await openPostgresStore(database.url);
    const rootStore = store;
    const [first, second] = [internals.user(), internals.user()];
    await rootStore.users.create(first);
    await rootStore.users.create(second);
    let release = (): void => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = (): void => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    // The store's transaction waits first, so its deadlock check runs first and it is the one Postgres aborts.
    const storeWaiting = rootStore.transaction(async (tx) => {
      await tx.users.lock(first.id);
      await holding;
      await tx.users.lock(second.id);
    });
    const other = raw
      .begin(async (tx) => {
        await tx`SELECT 1 FROM users WHERE id = ${second.id} FOR UPDATE`;
        held();
        await new Promise((resolve) => setTimeout(resolve, 200));
        await Promise.race([tx`SELECT 1 FROM users WHERE id = ${first.id} FOR UPDATE`, released]);
      })
      .catch(() => {});
    try {
      await expect(storeWaiting).to.reject(StoreUnavailableError, /deadlock/);
    } finally {
      release();
      await other;
    }
  });

  it('answers a write that reaches a read-only server as unavailable, and is not ready', async () => {
    store = await openPostgresStore(database.url);
    const name = new URL(database.url).pathname.slice(1);
    // What a standby, or a primary demoted under the store, looks like to a new session.
    await raw`ALTER DATABASE ${raw(name)} SET default_transaction_read_only = on`;
    await raw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'shop' AND datname = current_database()`;
    // The first call may find its connection terminated; both outcomes are "unavailable".
    await expect(store.users.create(internals.user())).to.reject(StoreUnavailableError);
    await expect(store.users.create(internals.user())).to.reject(StoreUnavailableError, /read-only/);
    await expect(store.ping()).to.reject(StoreUnavailableError, /no writable database/);
  });
});
