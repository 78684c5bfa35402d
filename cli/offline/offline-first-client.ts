import type { ExpectedOrder } from '../../shared/rules/checkout.js';
import { CATALOG_CURRENCY } from '../../shared/rules/pricing.js';
import type { Me, Order, Preference, Preferences, Product, ProductPage } from '../../shared/wire.js';
import type { ApiClient, ProductQuery } from '../api/client.js';
import { ApiError, ServerUnreachableError, type UnreachableReason } from '../api/errors.js';
import { UserError } from '../errors.js';
import type { FileLockOptions } from '../store/file-lock.js';
import type { Outbox, OutboxEntry } from '../store/outbox.js';
import { productPageKey, type SnapshotCache } from '../store/snapshot-cache.js';
import { newIdempotencyKey } from '../unique-id.js';
import type { CurrentAccount } from './accounts.js';
import { errorStatus } from '../../shared/errors.js';
import type { CartOp, ChangeOp } from '../store/change-op.js';
import { sendCartOp } from './ops.js';
import type { ProjectedCart } from './projection.js';
import { replayOutbox, type ReplayOptions, type SyncListener, type SyncReport, type SyncStop } from './replay.js';
import { type AccountValues, type SavedCopy, SavedCopies } from './saved-copies.js';

/** Where a read came from: the server, or the saved copy when the server could not be reached. */
export type ReadResult<T> =
  | { source: 'server'; value: T }
  | ({ source: 'cache'; reason: ServerUnreachableError } & SavedCopy<T>);

/** What became of a change: sent and applied, or queued in the outbox. */
export type ChangeResult<T> =
  | { status: 'applied'; value: T }
  | {
      status: 'queued';
      /** The value as it will be once the queue is sent. */
      value: T;
      entry: OutboxEntry;
      /** How many changes of this account now wait, this one included. */
      pending: number;
      /** When the saved copy the value was worked out from was taken; `null` when there was none. */
      asOf: string | null;
      reason: ServerUnreachableError;
      /** A one-line warning: what only the server can check about this change (a SKU the saved catalogue lacks). */
      warning?: string;
    };

export interface RemovedPreference {
  key: string;
  removed: true;
}

export interface OfflineFirstOptions {
  /** For changes and reads, which fall back on the outbox and saved copies: need not wait out a refusing server. */
  api: () => ApiClient;
  /** For `shop sync`, which has nothing to fall back on. */
  syncApi: () => ApiClient;
  /**
   * The account acting now, from the token's `sub`; `undefined` with no token (the catalogue needs none) or with a
   * token that names nobody. Without an account nothing can be queued or saved: requests go straight to the server,
   * whose answer — "log in", "invalid token" — says what is wrong.
   */
  account: () => CurrentAccount | undefined;
  /** The account, or the error telling the user to log in: for `shop sync`, which has nothing to do without one. */
  requireAccount: () => CurrentAccount;
  server: () => string;
  outbox: Outbox;
  cache: SnapshotCache;
  lock: FileLockOptions;
  /** `--online`: fail (exit 3) rather than queue a change or show a saved copy. */
  online: boolean;
  now: () => number;
  /** Told what the quiet sync before a command did, so it can be reported in a line or two. */
  onAutoSync: (report: SyncReport) => Promise<void>;
  /** Asks whether to resend the ops of a device the server forgot; see `ReplayOptions.confirmResend`. */
  confirmResend: (pending: number) => Promise<boolean>;
  debug: (line: string) => void;
}

const internals = {
  /** Failures after which the server surely did not apply the change: it was never sent, or was answered 503. */
  unsent: new Set<UnreachableReason>(['refused', 'dns', 'unavailable']),
};

/**
 * The API as commands use it: changes and reads that keep working when the server cannot be reached.
 *
 * Before the first request to the server it sends what the outbox holds for this account (quietly), so changes reach
 * the server in the order they were made. A change then goes to the server with a fresh idempotency key; if the
 * server cannot be reached — or earlier changes are still waiting for it — the change is queued, key and all, and the
 * command succeeds. A read that cannot reach the server shows the saved copy with the queued changes applied. Every
 * successful answer refreshes the saved copy.
 */
export class OfflineFirstClient {
  private readonly saved: SavedCopies;
  /** Set once any request of this process found the server unreachable: later ones do not wait for it again. */
  private unreachable: ServerUnreachableError | undefined;
  private autoSync: Promise<SyncStop | undefined> | undefined;

  constructor(private readonly options: OfflineFirstOptions) {
    this.saved = new SavedCopies(options.cache, options.outbox, options.now, (error) =>
      options.debug(`could not save the cache: ${error.message}`),
    );
  }

  changeCart(op: CartOp): Promise<ChangeResult<ProjectedCart>> {
    return this.change(
      op,
      async (api, key, account) => {
        const cart = await sendCartOp(api, op, key);
        if (account !== undefined) {
          await this.saved.saveCart(account, cart);
        }
        return cart;
      },
      (account, ops) => this.saved.cartAfter(account, ops),
    );
  }

  setPreference(key: string, value: Preference['value']): Promise<ChangeResult<Preference>> {
    const op: ChangeOp = { kind: 'prefs.set', key, value };
    return this.change(
      op,
      async (api, idempotencyKey, account) => {
        const preference = await api.setPreference(key, value, idempotencyKey);
        await this.keepPreferences(api, account, op);
        return preference;
      },
      (account) => ({ value: { key, value }, asOf: this.saved.preferencesAsOf(account) }),
    );
  }

  unsetPreference(key: string): Promise<ChangeResult<RemovedPreference>> {
    const op: ChangeOp = { kind: 'prefs.unset', key };
    return this.change(
      op,
      async (api, idempotencyKey, account) => {
        await api.deletePreference(key, idempotencyKey);
        await this.keepPreferences(api, account, op);
        return { key, removed: true };
      },
      (account) => ({ value: { key, removed: true }, asOf: this.saved.preferencesAsOf(account) }),
    );
  }

  /**
   * The saved cart with the queued changes applied, without asking the server: what this machine last knew. Lets a
   * command say truthfully whether a change did anything.
   */
  savedCart(): SavedCopy<ProjectedCart> | undefined {
    const account = this.options.account();
    return account && this.saved.cart(account);
  }

  /** One saved preference, as {@link savedCart}; `value` is `undefined` when the saved copy does not set it. */
  savedPreference(key: string): SavedCopy<Preference | undefined> | undefined {
    const account = this.options.account();
    return account && this.saved.preference(account, key);
  }

  cart(): Promise<ReadResult<ProjectedCart>> {
    const account = this.options.account();
    return this.read(account, 'your cart', () => account && this.saved.cart(account), async (api) => {
      const cart = await api.getCart();
      await this.saveFor(account, { cart });
      return cart;
    });
  }

  /**
   * After the server applied a preference change: the saved copy takes it, or, when there is none yet, the whole list is
   * saved once, so what the change is for (a `locale` that formats the next view) works from the very next command.
   */
  private async keepPreferences(api: ApiClient, account: CurrentAccount | undefined, op: ChangeOp): Promise<void> {
    if (account === undefined) {
      return;
    }
    if (this.saved.preferencesAsOf(account) !== null) {
      await this.saved.savePreferenceChange(account, op);
      return;
    }
    // The change is done whatever happens here: a list that cannot be read now is read by the next `shop prefs`.
    const preferences = await api.listPreferences().catch((error: unknown) => {
      this.options.debug(`could not read the preferences to save them: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (preferences !== undefined) {
      await this.saveFor(account, { preferences });
    }
  }

  preferences(): Promise<ReadResult<Preferences>> {
    const account = this.options.account();
    return this.read(account, 'your preferences', () => account && this.saved.preferences(account), async (api) => {
      const preferences = await api.listPreferences();
      await this.saveFor(account, { preferences });
      return preferences;
    });
  }

  preference(key: string): Promise<ReadResult<Preference>> {
    const account = this.options.account();
    const saved = (): SavedCopy<Preference> | undefined => {
      const copy = account && this.saved.preference(account, key);
      if (copy === undefined) {
        return undefined;
      }
      const { value } = copy;
      if (value === undefined) {
        throw new UserError(`no preference named ${key} in the saved copy of your preferences (as of ${copy.asOf}); the server cannot be reached`);
      }
      return { ...copy, value };
    };
    return this.read(account, 'your preferences', saved, (api) => api.getPreference(key));
  }

  me(): Promise<ReadResult<Me>> {
    const account = this.options.account();
    return this.read(account, 'your account', () => account && this.saved.me(account), async (api) => {
      const me = await api.me();
      await this.saveFor(account, { me });
      return me;
    });
  }

  products(query: ProductQuery): Promise<ReadResult<ProductPage>> {
    const server = this.options.server();
    const key = productPageKey(query);
    return this.read(this.options.account(), 'this product listing', () => this.saved.page(server, key), async (api) => {
      const page = await api.listProducts(query);
      await this.saved.savePage(server, key, page);
      return page;
    });
  }

  /** The saved copy of a product is in whichever currency it was last read in: it says which. */
  product(sku: string, currency?: string): Promise<ReadResult<Product>> {
    const server = this.options.server();
    return this.read(this.options.account(), `product ${sku}`, () => this.saved.product(server, sku), async (api) => {
      const product = await api.getProduct(sku, currency);
      await this.saved.saveProduct(server, product);
      return product;
    });
  }

  /**
   * `shop checkout`: places the order of exactly `expect` (and, when the cart was read from the server, of the cart at
   * `cartVersion`), or queues it when the server cannot be reached. A queued order carries only `expect`: at sync the
   * server places it only if the cart then holds exactly those lines at exactly that total (else CART_CHANGED, and the
   * order goes to the failed list). The value is the order, or `null` while it is queued.
   */
  placeOrder(expect: ExpectedOrder, cartVersion: number | undefined): Promise<ChangeResult<Order | null>> {
    return this.change<Order | null>(
      { kind: 'order.place', expect },
      async (api, key, account) => {
        const order = await api.checkout(expect, cartVersion, key);
        if (account !== undefined && cartVersion !== undefined) {
          // What the server now holds: the cart emptied by the order, one version on.
          await this.saved.saveCart(account, {
            lines: [],
            subtotal: 0,
            itemCount: 0,
            currency: order.currency,
            // The order was priced in the cart's currency: one other than the catalogue's can only be the preference.
            currencyChoice:
              order.currency === CATALOG_CURRENCY
                ? { reason: 'default', preferred: null, unpriced: [] }
                : { reason: 'preference', preferred: order.currency, unpriced: [] },
            version: cartVersion + 1,
          });
        }
        return order;
      },
      () => ({ value: null, asOf: null }),
    );
  }

  /** `shop sync`: sends everything queued for this account, and saves fresh copies of the cart and preferences. */
  sync(listener: SyncListener = {}): Promise<SyncReport> {
    return replayOutbox({ ...this.replayOptions(this.options.requireAccount(), this.options.syncApi()), refresh: 'all' }, listener);
  }

  /**
   * The quiet sync, at most once per process: before the first request of a command, and after `shop login`. Says
   * what stopped it, if anything did.
   */
  syncPending(account: CurrentAccount | undefined = this.options.account()): Promise<SyncStop | undefined> {
    this.autoSync ??= (async () => {
      if (account === undefined || this.options.outbox.pendingFor(account).length === 0) {
        return undefined;
      }
      const report = await replayOutbox({ ...this.replayOptions(account, this.options.api()), refresh: 'touched' });
      await this.options.onAutoSync(report);
      if (report.stopped?.reason === 'unreachable') {
        this.unreachable = report.stopped.error;
      }
      return report.stopped ?? undefined;
    })();
    return this.autoSync;
  }

  private async change<T>(
    op: ChangeOp,
    send: (api: ApiClient, key: string, account: CurrentAccount | undefined) => Promise<T>,
    projected: (account: CurrentAccount, queued: ChangeOp[]) => { value: T; asOf: string | null },
  ): Promise<ChangeResult<T>> {
    const account = this.options.account();
    const key = newIdempotencyKey();
    if (account === undefined) {
      // Nobody to queue it for: straight to the server, which says what is wrong with the login.
      return { status: 'applied', value: await send(this.options.api(), key, undefined) };
    }
    let reason = await this.blockedBy(account);
    let sentOnce = false;
    if (reason === undefined) {
      const outcome = await this.tryServer(() => send(this.options.api(), key, account));
      if ('value' in outcome) {
        return { status: 'applied', value: outcome.value };
      }
      // The change may have reached the server before the connection failed. Queued with the same key and pushed with
      // it, it is either applied then, or recognised as already applied (within the server's key retention).
      reason = outcome.unreachable;
      sentOnce = !internals.unsent.has(reason.reason);
    }
    if (this.options.online) {
      throw reason;
    }
    let unverified: string | undefined;
    const { entry, pending } = await this.options.outbox.enqueue(
      {
        key,
        op,
        server: account.server,
        userId: account.userId,
        email: account.email,
        queuedAt: new Date(this.options.now()).toISOString(),
        ...(sentOnce ? { keyed: true } : {}),
      },
      // Decided under the outbox lock, against the ops queued before it, so two shops queuing at once both count.
      (queued) => {
        const verdict = this.saved.verdict(account, queued.map((waiting) => waiting.op), op);
        if (verdict.kind === 'refuse') {
          const { code, message } = verdict.refusal;
          throw new ApiError(errorStatus[code], code, message, undefined);
        }
        unverified = verdict.unverified;
      },
    );
    const queued = pending.map((waiting) => waiting.op);
    const warning = unverified === undefined ? undefined : `warning: ${unverified} is not in the saved catalogue; the server will check it when the change is sent`;
    return { status: 'queued', ...projected(account, queued), entry, pending: pending.length, reason, ...(warning === undefined ? {} : { warning }) };
  }

  /**
   * Runs the quiet sync, and says why a change must be queued rather than sent: the server is unreachable (known from
   * an earlier request of this process or found by the sync). A login that expired, or a refusal of the queued ops,
   * is thrown: the change is not made, and the error says why.
   */
  private async blockedBy(account: CurrentAccount): Promise<ServerUnreachableError | undefined> {
    if (this.unreachable !== undefined) {
      return this.unreachable;
    }
    const stop = await this.syncPending(account);
    if (stop === undefined || stop.reason === 'unreachable') {
      return stop?.error;
    }
    throw stop.error;
  }

  /** Asks the server; when it cannot be reached, shows the saved copy instead (or says there is none). */
  private async read<T>(
    account: CurrentAccount | undefined,
    what: string,
    saved: () => SavedCopy<T> | undefined,
    fetch: (api: ApiClient) => Promise<T>,
  ): Promise<ReadResult<T>> {
    let reason = this.unreachable;
    if (reason === undefined) {
      const stop = await this.syncPending(account);
      if (stop?.reason === 'auth') {
        throw stop.error;
      }
      // A server that refused queued ops for now may still answer a read.
      reason = stop?.reason === 'unreachable' ? stop.error : undefined;
    }
    if (reason === undefined) {
      const outcome = await this.tryServer(() => fetch(this.options.api()));
      if ('value' in outcome) {
        return { source: 'server', value: outcome.value };
      }
      reason = outcome.unreachable;
    }
    if (this.options.online) {
      throw reason;
    }
    const copy = saved();
    if (copy === undefined) {
      throw new UserError(`${reason.message}, and there is no saved copy of ${what} to show`);
    }
    return { source: 'cache', ...copy, reason };
  }

  /**
   * Runs `work` against the server. An unreachable server is returned rather than thrown, and remembered, so the rest
   * of this command falls back at once instead of waiting for the network again; any other error propagates.
   */
  private async tryServer<T>(work: () => Promise<T>): Promise<{ value: T } | { unreachable: ServerUnreachableError }> {
    try {
      return { value: await work() };
    } catch (error) {
      if (!(error instanceof ServerUnreachableError)) {
        throw error;
      }
      this.unreachable = error;
      return { unreachable: error };
    }
  }

  private async saveFor(account: CurrentAccount | undefined, values: AccountValues): Promise<void> {
    if (account !== undefined) {
      await this.saved.saveAccount(account, values);
    }
  }

  private replayOptions(account: CurrentAccount, api: ApiClient): Omit<ReplayOptions, 'refresh'> {
    const { outbox, cache, lock, now, debug, confirmResend } = this.options;
    return { api, outbox, cache, account, lock, now, debug, confirmResend };
  }
}
