import { join } from 'node:path';

import type { Cart, Me, Preferences, Product, ProductPage } from '../../shared/wire.js';
import { readTextFile, removeAbandonedTemporaries, writeFileAtomic } from './atomic-file.js';
import { type FileLockOptions, withFileLock } from './file-lock.js';
import type { Account } from './outbox.js';

/** A copy of something the server said, and when it said it. */
export interface Snapshot<T> {
  value: T;
  /** ISO 8601: when the server sent it. */
  asOf: string;
}

/** The last known state of one account, as the server last reported it (pending ops are not applied here). */
export interface AccountSnapshots {
  cart?: Snapshot<Cart>;
  preferences?: Snapshot<Preferences>;
  me?: Snapshot<Me>;
}

/** The catalogue of one server: pages as listed, and every product seen in one, by SKU. */
export interface CatalogSnapshots {
  /** Keyed by {@link productPageKey}. */
  pages: Record<string, Snapshot<ProductPage>>;
  products: Record<string, Snapshot<Product>>;
}

interface CacheFile {
  version: number;
  /** server → user id → snapshots. */
  accounts: Record<string, Record<string, AccountSnapshots>>;
  /** server → catalogue. */
  catalogs: Record<string, CatalogSnapshots>;
}

const FORMAT_VERSION = 1;

const internals = {
  /** Bounds on what is kept per server, so the file stays small enough to rewrite on every read. */
  maxPages: 20,
  maxProducts: 500,

  empty: (): CacheFile => ({ version: FORMAT_VERSION, accounts: {}, catalogs: {} }),

  isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  },

  /** A cache is only a convenience: anything unreadable is treated as empty and replaced on the next write. */
  parse(text: string | undefined): CacheFile {
    if (text === undefined) {
      return internals.empty();
    }
    try {
      const value: unknown = JSON.parse(text);
      if (
        internals.isRecord(value) &&
        value.version === FORMAT_VERSION &&
        internals.isRecord(value.accounts) &&
        internals.isRecord(value.catalogs)
      ) {
        // Checked this far; each snapshot is checked again as it is read (see `account` and `catalog`).
        return { version: FORMAT_VERSION, accounts: value.accounts as CacheFile['accounts'], catalogs: value.catalogs as CacheFile['catalogs'] };
      }
    } catch {
      // Fall through to empty.
    }
    return internals.empty();
  },

  /** Keeps the `limit` most recent entries. */
  newest<T>(entries: Record<string, Snapshot<T>>, limit: number): Record<string, Snapshot<T>> {
    const sorted = Object.entries(entries).sort(([, a], [, b]) => (a.asOf < b.asOf ? 1 : a.asOf > b.asOf ? -1 : 0));
    return Object.fromEntries(sorted.slice(0, limit));
  },

  isSnapshot(value: unknown): value is Snapshot<unknown> {
    return internals.isRecord(value) && internals.isRecord(value.value) && typeof value.asOf === 'string';
  },

  /** The entries of a record that look like snapshots; anything else is dropped. */
  snapshots<T>(record: unknown): Record<string, Snapshot<T>> {
    if (!internals.isRecord(record)) {
      return {};
    }
    return Object.fromEntries(Object.entries(record).filter(([, value]) => internals.isSnapshot(value))) as Record<string, Snapshot<T>>;
  },
};

/** The key a page of products is cached under: the same listing asked for again finds it. */
export function productPageKey(query: {
  query?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  currency?: string | undefined;
}): string {
  const key: unknown[] = [query.query ?? '', query.limit ?? null, query.offset ?? 0];
  // A page in another currency is another page; without one, the key copies saved before currencies still find.
  return JSON.stringify(query.currency === undefined ? key : [...key, query.currency]);
}

/**
 * Copies of what the server last said — cart, preferences, who you are, products — so `shop` can still show them,
 * labelled stale, when the server cannot be reached. One JSON file (`cache.json`) in the config directory, written
 * like the outbox: atomically, under a lock, so a crash or a concurrent `shop` never leaves it torn.
 */
export class SnapshotCache {
  readonly path: string;
  readonly lockPath: string;

  constructor(
    directory: string,
    private readonly lockOptions: FileLockOptions = {},
  ) {
    this.path = join(directory, 'cache.json');
    this.lockPath = join(directory, 'cache.lock');
  }

  account(account: Account): AccountSnapshots {
    const snapshots = internals.parse(readTextFile(this.path)).accounts[account.server]?.[account.userId];
    if (!internals.isRecord(snapshots)) {
      return {};
    }
    const valid: AccountSnapshots = {};
    for (const name of ['cart', 'preferences', 'me'] as const) {
      if (internals.isSnapshot(snapshots[name])) {
        (valid as Record<string, unknown>)[name] = snapshots[name];
      }
    }
    return valid;
  }

  catalog(server: string): CatalogSnapshots {
    const catalog: unknown = internals.parse(readTextFile(this.path)).catalogs[server];
    if (!internals.isRecord(catalog)) {
      return { pages: {}, products: {} };
    }
    return { pages: internals.snapshots(catalog.pages), products: internals.snapshots(catalog.products) };
  }

  /** Forgets what was saved for an account (its email, cart and preferences): `shop logout`. The catalogue stays. */
  async forgetAccount(account: Account): Promise<void> {
    await this.update((file) => {
      delete file.accounts[account.server]?.[account.userId];
    });
  }

  /** Replaces some of an account's snapshots. */
  async saveAccount(account: Account, snapshots: AccountSnapshots): Promise<void> {
    await this.update((file) => {
      const server = (file.accounts[account.server] ??= {});
      server[account.userId] = { ...server[account.userId], ...snapshots };
    });
  }

  /** Remembers a page of products, and each product on it. */
  async savePage(server: string, key: string, page: ProductPage, asOf: string): Promise<void> {
    await this.update((file) => {
      const catalog = (file.catalogs[server] ??= { pages: {}, products: {} });
      catalog.pages[key] = { value: page, asOf };
      for (const product of page.items) {
        catalog.products[product.sku] = { value: product, asOf };
      }
      catalog.pages = internals.newest(catalog.pages, internals.maxPages);
      catalog.products = internals.newest(catalog.products, internals.maxProducts);
    });
  }

  async saveProduct(server: string, product: Product, asOf: string): Promise<void> {
    await this.update((file) => {
      const catalog = (file.catalogs[server] ??= { pages: {}, products: {} });
      catalog.products[product.sku] = { value: product, asOf };
      catalog.products = internals.newest(catalog.products, internals.maxProducts);
    });
  }

  private update(change: (file: CacheFile) => void): Promise<void> {
    return withFileLock(
      this.lockPath,
      async () => {
        const file = internals.parse(readTextFile(this.path));
        change(file);
        await removeAbandonedTemporaries(this.path);
        // Not flushed to disk: this is rewritten on every read that reached the server, two fsyncs each time would be
        // most of what `shop cart` costs, and what a power cut could take from a cache, the next read puts back.
        await writeFileAtomic(this.path, `${JSON.stringify(file)}\n`, { durable: false });
      },
      this.lockOptions,
    );
  }
}
