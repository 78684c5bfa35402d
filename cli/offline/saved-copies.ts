import type { Cart, Me, Preference, Preferences, Product, ProductPage } from '../../shared/wire.js';
import type { Account, Outbox } from '../store/outbox.js';
import type { AccountSnapshots, CatalogSnapshots, Snapshot, SnapshotCache } from '../store/snapshot-cache.js';
import type { Refusal } from '../../shared/rules/refusals.js';
import { checkoutRefusals } from '../../shared/rules/refusals.js';
import { type ChangeOp, changesCart, isCartOp, isPreferenceOp } from '../store/change-op.js';
import {
  type KnownProduct,
  OfflineCart,
  OfflinePreferences,
  type ProjectedCart,
  projectCart,
  projectPreference,
  projectPreferences,
} from './projection.js';

/** A saved copy as `shop` shows it: with the queued changes that bear on it applied, and how many those were. */
export interface SavedCopy<T> {
  value: T;
  /** ISO 8601: when the server sent the copy. */
  asOf: string;
  pending: number;
}

/** What the shared rules say, offline, of a change about to be queued behind `queued`. */
export type OfflineVerdict =
  /** The server is certain to refuse it: say so now, with the server's code and words, and queue nothing. */
  | { kind: 'refuse'; refusal: Refusal }
  /** It may well be fine; `unverified` names what only the server can check (a SKU the saved catalogue lacks). */
  | { kind: 'queue'; unverified?: string };

/** What the server just sent about an account, to be saved as of now. */
export interface AccountValues {
  cart?: Cart;
  preferences?: Preferences;
  me?: Me;
}

/**
 * What `shop` can show without the server: the copies the server last sent, with this account's queued changes
 * applied on top. The copies themselves stay as the server sent them — the queued changes are applied each time they
 * are shown — so a change is never counted twice, and dropping one from the queue takes it out of the view too.
 *
 * Saving is best effort: a copy that cannot be written costs only the offline view, never the command.
 */
export class SavedCopies {
  constructor(
    private readonly cache: SnapshotCache,
    private readonly outbox: Outbox,
    private readonly now: () => number,
    private readonly onSaveFailed: (error: Error) => void,
  ) {}

  cart(account: Account): SavedCopy<ProjectedCart> | undefined {
    const saved = this.cache.account(account).cart;
    const ops = this.queued(account).filter(changesCart);
    const value = saved && projectCart(saved.value, ops, this.knownProducts(account.server), this.currencyPreference(account));
    return saved && value && { value, asOf: saved.asOf, pending: ops.length };
  }

  /** The cart a change just queued will make: from the saved copy, or from an empty cart when there is none. */
  cartAfter(account: Account, ops: readonly ChangeOp[]): { value: ProjectedCart; asOf: string | null } {
    const saved = this.cache.account(account).cart;
    return { value: projectCart(saved?.value, ops, this.knownProducts(account.server), this.currencyPreference(account)), asOf: saved?.asOf ?? null };
  }

  /**
   * The `currency` preference the offline cart is priced in: the saved preferences with queued changes applied;
   * `undefined` (the server's last word, on the saved cart) when no preferences were saved.
   */
  private currencyPreference(account: Account): unknown {
    const saved = this.cache.account(account).preferences;
    if (saved === undefined) {
      return undefined;
    }
    const ops = this.queued(account).filter((op) => !isCartOp(op));
    return projectPreference(saved.value, ops, 'currency')?.value ?? null;
  }

  preferences(account: Account): SavedCopy<Preferences> | undefined {
    const saved = this.cache.account(account).preferences;
    const ops = this.queued(account).filter(isPreferenceOp);
    return saved && { value: projectPreferences(saved.value, ops), asOf: saved.asOf, pending: ops.length };
  }

  /** One preference; `value` is `undefined` when the saved preferences, as changed by the queue, do not set it. */
  preference(account: Account, key: string): SavedCopy<Preference | undefined> | undefined {
    const saved = this.cache.account(account).preferences;
    const ops = this.queued(account).filter(isPreferenceOp);
    return saved && { value: projectPreference(saved.value, ops, key), asOf: saved.asOf, pending: ops.length };
  }

  /** When the saved preferences were taken; `null` when there are none. */
  preferencesAsOf(account: Account): string | null {
    return this.cache.account(account).preferences?.asOf ?? null;
  }

  me(account: Account): SavedCopy<Me> | undefined {
    return unchanged(this.cache.account(account).me);
  }

  page(server: string, key: string): SavedCopy<ProductPage> | undefined {
    return unchanged(this.catalog(server).pages[key]);
  }

  product(server: string, sku: string): SavedCopy<Product> | undefined {
    return unchanged(this.catalog(server).products[sku]);
  }

  /** Saves what the server just sent, as of now. */
  async saveAccount(account: Account, values: AccountValues): Promise<void> {
    const asOf = this.isoNow();
    const snapshots: AccountSnapshots = {};
    if (values.cart !== undefined) {
      snapshots.cart = { value: values.cart, asOf };
    }
    if (values.preferences !== undefined) {
      snapshots.preferences = { value: values.preferences, asOf };
    }
    if (values.me !== undefined) {
      snapshots.me = { value: values.me, asOf };
    }
    await this.cache.saveAccount(account, snapshots).catch(this.onSaveFailed);
  }

  /**
   * Decides `op` with the server's rules against the saved copies with the `queued` ops applied, as the server will
   * see them when the queue is sent.
   */
  verdict(account: Account, queued: readonly ChangeOp[], op: ChangeOp): OfflineVerdict {
    const saved = this.cache.account(account);
    if (changesCart(op)) {
      const cart = new OfflineCart(saved.cart?.value, this.knownProducts(account.server), this.currencyPreference(account));
      for (const earlier of queued) {
        if (isCartOp(earlier)) {
          cart.apply(earlier);
        } else if (earlier.kind === 'order.place') {
          cart.apply({ kind: 'cart.clear' });
        }
      }
      if (op.kind === 'order.place') {
        // What the order will be checked against is decided by the server at sync (the price guard): here only what
        // the queue alone can tell.
        return cart.view().lines.length === 0 ? { kind: 'refuse', refusal: checkoutRefusals.cartEmpty() } : { kind: 'queue' };
      }
      const decision = cart.decide(op);
      if (decision.kind === 'refuse') {
        return decision;
      }
      const adds = decision.kind === 'write' && decision.write.op === 'put';
      return adds && 'sku' in op && cart.product(op.sku) === 'unknown' ? { kind: 'queue', unverified: op.sku } : { kind: 'queue' };
    }
    const preferences = new OfflinePreferences(saved.preferences?.value);
    for (const earlier of queued) {
      if (isPreferenceOp(earlier)) {
        preferences.apply(earlier);
      }
    }
    const decision = preferences.decide(op);
    return decision.kind === 'refuse' ? decision : { kind: 'queue' };
  }

  /** Keeps the saved cart in step with what the server answered to a change. */
  async saveCart(account: Account, cart: Cart): Promise<void> {
    await this.saveAccount(account, { cart });
  }

  /** Keeps the saved preferences in step with a change the server applied. */
  async savePreferenceChange(account: Account, op: ChangeOp): Promise<void> {
    const saved = this.cache.account(account).preferences;
    if (saved !== undefined) {
      // The other keys are as of the copy's time; only this one is newer, so the copy keeps its time.
      const preferences = { value: projectPreferences(saved.value, [op]), asOf: saved.asOf };
      await this.cache.saveAccount(account, { preferences }).catch(this.onSaveFailed);
    }
  }

  async savePage(server: string, key: string, page: ProductPage): Promise<void> {
    await this.cache.savePage(server, key, page, this.isoNow()).catch(this.onSaveFailed);
  }

  async saveProduct(server: string, product: Product): Promise<void> {
    await this.cache.saveProduct(server, product, this.isoNow()).catch(this.onSaveFailed);
  }

  private queued(account: Account): ChangeOp[] {
    return this.outbox.pendingFor(account).map((entry) => entry.op);
  }

  private catalog(server: string): CatalogSnapshots {
    return this.cache.catalog(server);
  }

  /** Names and prices for lines added offline, from the catalogue as last listed; read once per projection. */
  private knownProducts(server: string): (sku: string) => KnownProduct | undefined {
    const products = this.catalog(server).products;
    return (sku) => {
      const product = products[sku]?.value;
      // A copy saved before products carried price lists has only the price it was shown in.
      return product && { name: product.name, prices: product.prices ?? { [product.currency]: product.price } };
    };
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

/** A copy no queued change bears on: who you are, the catalogue. */
function unchanged<T>(snapshot: Snapshot<T> | undefined): SavedCopy<T> | undefined {
  return snapshot && { ...snapshot, pending: 0 };
}
