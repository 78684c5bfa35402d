import { ErrorCode } from '../../shared/errors.js';
import { type PriceList, priceIn } from '../../shared/rules/pricing.js';
import type { Cart } from '../../shared/wire.js';
import type { ApiClient } from '../api/client.js';
import { ApiError, AuthenticationError, ServerUnreachableError } from '../api/errors.js';
import { type FileLockOptions, withFileLock } from '../store/file-lock.js';
import { type Account, belongsTo, type FailedEntry, type Outbox, type OutboxEntry, type OutboxState } from '../store/outbox.js';
import type { AccountSnapshots, SnapshotCache } from '../store/snapshot-cache.js';
import { type OpResult, sendOp } from './ops.js';
import { SettleBatch } from './settle-batch.js';

/** Why a sync ended before the outbox was empty. Every op not yet sent stays queued, in order. */
export type SyncStop =
  | { reason: 'unreachable'; error: ServerUnreachableError }
  /** The login expired or was revoked: the ops wait for `shop login` as their user. */
  | { reason: 'auth'; error: AuthenticationError }
  /** A refusal that is not about the op itself — 408, 429, a 5xx, an answer that is not the shop's — so try later. */
  | { reason: 'refused'; error: ApiError };

export type SyncResult =
  | { entry: OutboxEntry; outcome: 'sent'; result: OpResult }
  | { entry: OutboxEntry; outcome: 'failed'; failure: FailedEntry };

/** A cart line whose price is not what the saved copy (or the catalogue, for a line added offline) said. */
export interface PriceChange {
  sku: string;
  name: string;
  was: number;
  now: number;
  currency: string;
}

export interface SyncReport {
  account: Account;
  /** One per op attempted, in order. */
  results: SyncResult[];
  /** Ops of this account still queued afterwards. */
  pending: number;
  stopped: SyncStop | null;
  priceChanges: PriceChange[];
  /** Ops queued on this server by other accounts: never sent as this one. */
  otherAccounts: number;
}

export interface SyncListener {
  /** How many ops are about to be sent; more may be queued meanwhile by other processes, and are sent too. */
  onStart?(total: number): void;
  onResult?(result: SyncResult, done: number, total: number): void | Promise<void>;
}

export interface ReplayOptions {
  api: ApiClient;
  outbox: Outbox;
  cache: SnapshotCache;
  account: Account;
  lock: FileLockOptions;
  now: () => number;
  /**
   * `all` (`shop sync`) saves a fresh copy of the cart and preferences afterwards, for use offline; `touched` (the
   * quiet sync before another command) only refreshes what the ops changed.
   */
  refresh: 'all' | 'touched';
  debug: (line: string) => void;
}

const internals = {
  /** A sync renews its lock this often, so a long one is never mistaken for a dead one. */
  heartbeatMs: 2_000,
  /** Statuses that say "not now" rather than "never": the op stays queued. 409 in flight arrives as unreachable. */
  transientStatuses: new Set([401, 403, 408, 429]),

  /**
   * Whether the server refused the op itself, for good: a 4xx with the shop's own error code. Anything else — a
   * gateway's HTML 404, a 500 — says nothing about the op, and must not move it out of the way of the ones behind it.
   */
  isPermanent(error: ApiError): boolean {
    return (
      error.code !== undefined &&
      error.code !== ErrorCode.IDEMPOTENCY_IN_FLIGHT &&
      error.status >= 400 &&
      error.status < 500 &&
      !internals.transientStatuses.has(error.status)
    );
  },

  stopFor(error: unknown): SyncStop | undefined {
    if (error instanceof ServerUnreachableError) {
      return { reason: 'unreachable', error };
    }
    if (error instanceof AuthenticationError) {
      return { reason: 'auth', error };
    }
    if (error instanceof ApiError && !internals.isPermanent(error)) {
      return { reason: 'refused', error };
    }
    return undefined;
  },

  /**
   * Price lists the user last saw: the saved cart's lines, and the catalogue for products added offline. (Copies saved
   * before they carried price lists have the one price they were shown in.)
   */
  expectedPrices(options: ReplayOptions, ops: readonly OutboxEntry[]): Map<string, PriceList> {
    const prices = new Map<string, PriceList>();
    const catalog = options.cache.catalog(options.account.server);
    for (const entry of ops) {
      const sku = 'sku' in entry.op ? entry.op.sku : undefined;
      const product = sku === undefined ? undefined : catalog.products[sku]?.value;
      if (sku !== undefined && product !== undefined) {
        prices.set(sku, product.prices ?? { [product.currency]: product.price });
      }
    }
    const saved = options.cache.account(options.account).cart?.value;
    for (const line of saved?.lines ?? []) {
      prices.set(line.sku, line.prices ?? { [saved!.currency]: line.unitPrice });
    }
    return prices;
  },

  /** Lines whose price in the cart's currency is not the one the user saw; a currency never seen tells nothing. */
  priceChanges(expected: Map<string, PriceList>, cart: Cart): PriceChange[] {
    return cart.lines.flatMap((line) => {
      const list = expected.get(line.sku);
      const was = list === undefined ? null : priceIn(list, cart.currency);
      return was === null || was === line.unitPrice
        ? []
        : [{ sku: line.sku, name: line.name, was, now: line.unitPrice, currency: cart.currency }];
    });
  },

  /**
   * Saves what the sync learnt about the account. A copy that cannot be fetched or saved is not worth failing a sync
   * for: the changes themselves are what matter.
   */
  async refreshSnapshots(options: ReplayOptions, results: SyncResult[], stopped: SyncStop | null): Promise<Cart | undefined> {
    const asOf = new Date(options.now()).toISOString();
    const snapshots: AccountSnapshots = {};
    // The last answer that says what the cart holds: an order empties it, and then only the server knows its version.
    const lastCartChange = results.flatMap((result) => (result.outcome === 'sent' && (result.result.kind === 'cart' || result.result.kind === 'order') ? [result.result] : [])).at(-1);
    let cart = lastCartChange?.kind === 'cart' ? lastCartChange.cart : undefined;
    const touchedPreferences = results.some((result) => result.outcome === 'sent' && (result.result.kind === 'preference' || result.result.kind === 'preference-removed'));
    const reachable = stopped === null || stopped.reason === 'refused';
    try {
      if (reachable && (options.refresh === 'all' || lastCartChange?.kind === 'order')) {
        cart = await options.api.getCart();
      }
      if (reachable && (options.refresh === 'all' || touchedPreferences)) {
        snapshots.preferences = { value: await options.api.listPreferences(), asOf };
      }
    } catch (error) {
      if (!(error instanceof ServerUnreachableError || error instanceof AuthenticationError || error instanceof ApiError)) {
        throw error;
      }
      options.debug(`could not refresh the saved copies after sync: ${error.message}`);
    }
    if (cart !== undefined) {
      snapshots.cart = { value: cart, asOf };
    }
    if (snapshots.cart !== undefined || snapshots.preferences !== undefined) {
      await options.cache.saveAccount(options.account, snapshots).catch((error: Error) => options.debug(`could not save the cache: ${error.message}`));
    }
    return cart;
  },

  async replay(options: ReplayOptions, listener: SyncListener): Promise<SyncReport> {
    const { outbox, account } = options;
    const attempted = new Set<number>();
    /** The account's ops not yet attempted, as of the last read of the outbox. */
    const unattempted = (state: OutboxState) => state.pending.filter((entry) => belongsTo(entry, account) && !attempted.has(entry.id));
    let waiting = unattempted(outbox.read());
    const expected = internals.expectedPrices(options, waiting);
    const results: SyncResult[] = [];
    let total = waiting.length;
    let stopped: SyncStop | null = null;
    const batch = new SettleBatch(outbox);
    listener.onStart?.(total);

    try {
      for (;;) {
        if (waiting.length === 0 || batch.isDue()) {
          // Read again as the batch is written, not before every op (parsing a long outbox per op was most of a sync's
          // cost): another process may have queued more meanwhile, or dropped some not yet sent.
          waiting = unattempted(await batch.settle());
          total = Math.max(total, results.length + waiting.length);
        }
        const entry = waiting.shift();
        if (entry === undefined) {
          break;
        }
        attempted.add(entry.id);
        let result: SyncResult;
        try {
          result = { entry, outcome: 'sent', result: await sendOp(options.api, entry.op, entry.key) };
          // Were this process killed before the next line, the op would be sent again next time — with the same key,
          // so the server would answer with the stored response and change nothing.
          batch.sent(entry);
        } catch (error) {
          stopped = internals.stopFor(error) ?? null;
          if (stopped !== null) {
            break;
          }
          if (!(error instanceof ApiError)) {
            throw error;
          }
          const failure = {
            failedAt: new Date(options.now()).toISOString(),
            status: error.status,
            code: error.code ?? null,
            reason: error.message,
          };
          batch.refused({ id: entry.id, failure });
          result = { entry, outcome: 'failed', failure: { ...entry, ...failure } };
        }
        results.push(result);
        await listener.onResult?.(result, results.length, total);
      }
    } finally {
      // However the sync ends — done, stopped, or an error on the way — what it learnt is written before it is reported.
      await batch.settle();
    }

    const cart = results.length > 0 || options.refresh === 'all' ? await internals.refreshSnapshots(options, results, stopped) : undefined;
    const state = outbox.read();
    return {
      account,
      results,
      pending: state.pending.filter((entry) => belongsTo(entry, account)).length,
      stopped,
      priceChanges: cart === undefined ? [] : internals.priceChanges(expected, cart),
      otherAccounts: state.pending.filter((entry) => entry.server === account.server && entry.userId !== account.userId).length,
    };
  },
};

/**
 * Sends the account's queued ops in the order they were queued, each with its own idempotency key, so an op the
 * server already applied — its answer lost to a dropped connection, or this process killed mid-sync — is answered
 * from the server's record instead of being applied twice.
 *
 * An op the server refuses for good (unknown SKU, over a limit: a 4xx with the shop's error code) moves to the failed
 * list and the next one is sent; anything that means "not now" (unreachable, login expired, 429, 5xx) stops the sync
 * and leaves that op and the rest queued. Only one process syncs at a time.
 */
export function replayOutbox(options: ReplayOptions, listener: SyncListener = {}): Promise<SyncReport> {
  return withFileLock(options.outbox.syncLockPath, () => internals.replay(options, listener), {
    ...options.lock,
    heartbeatMs: internals.heartbeatMs,
  });
}
