import { ErrorCode } from '../../shared/errors.js';
import { MAX_PUSH_CHANGES } from '../../shared/limits.js';
import { type PriceList, priceIn } from '../../shared/rules/pricing.js';
import { isFinalRefusal } from '../../shared/rules/sequence.js';
import type { Cart, PushChange, PushResult } from '../../shared/wire.js';
import type { ApiClient } from '../api/client.js';
import { ApiError, AuthenticationError, ServerUnreachableError } from '../api/errors.js';
import { type FileLockOptions, withFileLock } from '../store/file-lock.js';
import { changesCart } from '../store/change-op.js';
import { type Account, belongsTo, type FailedEntry, type Outbox, type OutboxEntry, type OutboxState, type StoredDevice } from '../store/outbox.js';
import type { AccountSnapshots, SnapshotCache } from '../store/snapshot-cache.js';
import { newDeviceId } from '../unique-id.js';
import type { OpResult } from './ops.js';
import { SettleBatch } from './settle-batch.js';

/** Why a sync ended before the outbox was empty. Every op not yet sent stays queued, in order. */
export type SyncStop =
  | { reason: 'unreachable'; error: ServerUnreachableError }
  /** The login expired or was revoked: the ops wait for `shop login` as their user. */
  | { reason: 'auth'; error: AuthenticationError }
  /** A refusal that is not about the op itself — 408, 429, a 5xx, an answer that is not the shop's — so try later. */
  | { reason: 'refused'; error: ApiError };

export type SyncResult =
  /** `result` is the state the op touched, unless a later op of the same push touched it too. */
  | { entry: OutboxEntry; outcome: 'sent'; result?: OpResult }
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
  /**
   * The server has forgotten this device (it was logged out elsewhere, or evicted as the least recently seen of too
   * many), so it cannot say which of the `pending` ops it applied. `true` sends them again as a new device, at the
   * user's word; `false` moves them to the failed list. Off a terminal it is always `false`.
   */
  confirmResend: (pending: number) => Promise<boolean>;
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

/** Why ops of a forgotten device are moved to the failed list, for `shop queue` to show. */
export const FORGOTTEN_DEVICE_REASON =
  'the server had forgotten this device (logged out elsewhere, or too long unseen among too many devices), so it cannot tell whether this change was applied: check `shop cart` / `shop prefs list`, then `shop queue retry` or `shop queue drop`';

const internals = {
  /** A sync renews its lock this often, so a long one is never mistaken for a dead one. */
  heartbeatMs: 2_000,

  /**
   * Whether the server refused the op itself, for good: a 4xx with the shop's own error code that retrying cannot
   * change (shared/rules/sequence.ts). Anything else — a gateway's HTML 404, a 500, a 429 — says nothing about the op,
   * and must not move it out of the way of the ones behind it.
   */
  isPermanent(error: ApiError): boolean {
    return isFinalRefusal(error.status, error.code);
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

  /** The account's device, made (not yet pushed) the first time one is needed. */
  async device(options: ReplayOptions): Promise<StoredDevice> {
    const stored = options.outbox.device(options.account);
    if (stored !== undefined) {
      return stored;
    }
    const device = { id: newDeviceId(), pushed: false };
    await options.outbox.saveDevice(options.account, device);
    return device;
  },

  toPush(entry: OutboxEntry): PushChange {
    if (entry.seq === undefined) {
      throw new Error(`op ${entry.id} has no sequence number; Outbox.numberForPush runs before any push`);
    }
    return entry.keyed === true ? { seq: entry.seq, op: entry.op, key: entry.key } : { seq: entry.seq, op: entry.op };
  },

  /**
   * Pushes `entries` (in queue order) as one batch. Resolves with each op's result, in order. Throws what stops the
   * sync, as a single request would.
   */
  async push(options: ReplayOptions, device: StoredDevice, entries: readonly OutboxEntry[]): Promise<PushResult[]> {
    const response = await options.api.push({ deviceId: device.id, firstPush: !device.pushed, changes: entries.map(internals.toPush) });
    if (!device.pushed) {
      // Answered: the server knows the device from now on, and forgetting it later is something to be told of.
      device.pushed = true;
      await options.outbox.saveDevice(options.account, device);
    }
    return response.results;
  },

  isDeviceUnknown(error: unknown): boolean {
    return error instanceof ApiError && error.code === ErrorCode.DEVICE_UNKNOWN;
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
    // The last sent change that bears on the cart: an order empties it, and then only the server knows its version. A
    // cart change's answer may be left out when a later one of the same push has the newer cart.
    const lastCartChange = results.filter((result) => result.outcome === 'sent' && changesCart(result.entry.op)).at(-1);
    const lastCartAnswer = results.flatMap((result) => (result.outcome === 'sent' && result.result?.kind === 'cart' ? [result.result.cart] : [])).at(-1);
    const ordered = lastCartChange?.entry.op.kind === 'order.place';
    let cart = ordered ? undefined : lastCartAnswer;
    const touchedPreferences = results.some((result) => result.outcome === 'sent' && result.entry.op.kind.startsWith('prefs.'));
    const reachable = stopped === null || stopped.reason === 'refused';
    try {
      if (reachable && (options.refresh === 'all' || ordered)) {
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
    await outbox.numberForPush(account);
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
    let device: StoredDevice | undefined;

    try {
      for (;;) {
        if (waiting.length === 0 || batch.isDue()) {
          // Read again as the batch is written, not before every op (parsing a long outbox per op was most of a sync's
          // cost): another process may have queued more meanwhile, or dropped some not yet sent.
          waiting = unattempted(await batch.settle());
          total = Math.max(total, results.length + waiting.length);
        }
        if (waiting.length === 0) {
          break;
        }
        // One batch at a time: change N+1 is never sent before the answer about change N is in.
        const sending = waiting.slice(0, MAX_PUSH_CHANGES);
        device ??= await internals.device(options);
        let answers: PushResult[];
        try {
          answers = await internals.push(options, device, sending);
        } catch (error) {
          if (internals.isDeviceUnknown(error) && device.pushed) {
            if (await options.confirmResend(waiting.length)) {
              // A new device: the server numbers its ops afresh, and applies them all, as the user chose.
              device = { id: newDeviceId(), pushed: false };
              await options.outbox.saveDevice(account, device);
              continue;
            }
            await batch.settle();
            const failedAt = new Date(options.now()).toISOString();
            await outbox.failAll(account, { failedAt, status: 409, code: ErrorCode.DEVICE_UNKNOWN, reason: FORGOTTEN_DEVICE_REASON });
            for (const entry of waiting) {
              const failure: FailedEntry = { ...entry, failedAt, status: 409, code: ErrorCode.DEVICE_UNKNOWN, reason: FORGOTTEN_DEVICE_REASON };
              results.push({ entry, outcome: 'failed', failure });
              await listener.onResult?.(results.at(-1)!, results.length, total);
            }
            waiting = [];
            // A fresh device for what is queued from now on; the forgotten one's ops wait in the failed list.
            await options.outbox.saveDevice(account, { id: newDeviceId(), pushed: false });
            break;
          }
          stopped = internals.stopFor(error) ?? null;
          if (stopped !== null) {
            break;
          }
          throw error;
        }
        const bySeq = new Map(sending.map((entry) => [entry.seq, entry]));
        for (const answer of answers) {
          const entry = bySeq.get(answer.seq);
          if (entry === undefined) {
            throw new Error(`the server answered for change ${answer.seq}, which was not sent`);
          }
          attempted.add(entry.id);
          let result: SyncResult;
          if (answer.outcome === 'refused') {
            const failure = { failedAt: new Date(options.now()).toISOString(), status: answer.error.status, code: answer.error.code, reason: answer.error.message };
            batch.refused({ id: entry.id, failure });
            // Written down before anything behind it is recorded as sent: the server would answer it again only as a
            // repeat, so a refusal lost in a crash would leave the failed list without it.
            await batch.settle();
            result = { entry, outcome: 'failed', failure: { ...entry, ...failure } };
          } else {
            // Were this process killed before the sent log is written, the op would be pushed again with its number,
            // and the server would answer it as a repeat without applying it twice.
            batch.sent(entry);
            result = answer.answer === undefined ? { entry, outcome: 'sent' } : { entry, outcome: 'sent', result: answer.answer };
          }
          results.push(result);
          await listener.onResult?.(result, results.length, total);
        }
        waiting = waiting.filter((entry) => !attempted.has(entry.id));
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
 * Sends the account's queued ops in the order they were queued, in batches through `POST /sync/push`, each numbered in
 * this device's sequence, so an op the server already applied — its answer lost to a dropped connection, or this
 * process killed mid-sync, days or months ago — is answered as a repeat instead of being applied twice.
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
