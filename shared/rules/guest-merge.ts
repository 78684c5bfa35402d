import { MAX_CART_LINES, MAX_LINE_QUANTITY, MAX_PREFERENCES } from '../limits.js';
import type { GuestMergeReport } from '../wire.js';
import type { ProductState } from './cart.js';

/** One line of a cart as the merge sees it. */
export interface MergeLine {
  sku: string;
  quantity: number;
}

/** A guest's line, with what is known of its product now. */
export interface GuestMergeLine extends MergeLine {
  product: ProductState;
}

/** Everything a merge decides on: the account's cart and preference keys, the guest's cart and preferences. */
export interface GuestMergeView {
  accountLines: readonly MergeLine[];
  accountPreferenceKeys: readonly string[];
  /** In the order the guest added them: when the account's cart fills up, the guest's earliest lines go in first. */
  guestLines: readonly GuestMergeLine[];
  guestPreferences: Readonly<Record<string, unknown>>;
}

/** What to write: each cart line's new quantity, each preference to add; and the report the answer carries. */
export interface GuestMergeDecision {
  lines: MergeLine[];
  preferences: { key: string; value: unknown }[];
  report: Omit<GuestMergeReport, 'guestId'>;
}

/**
 * How a guest's cart and preferences join an account's at login or registration. A guest line is summed with the
 * account's line of the same SKU, capped at the line limit (reported as `capped`); a new SKU takes a new line while the
 * cart has fewer than the line limit, else it is `dropped` (`CART_TOO_LARGE`), as is a product no longer sold
 * (`SKU_NOT_FOUND`). Preferences only fill keys the account lacks, while it has room. Every guest line and key ends in
 * exactly one list of the report.
 */
export function decideGuestMerge(view: GuestMergeView): GuestMergeDecision {
  const quantities = new Map(view.accountLines.map((line) => [line.sku, line.quantity]));
  const report: GuestMergeDecision['report'] = { added: [], capped: [], dropped: [], preferences: { filled: [], kept: [], dropped: [] } };
  const lines: MergeLine[] = [];
  for (const { sku, quantity, product } of view.guestLines) {
    const current = quantities.get(sku);
    if (product === 'unavailable') {
      report.dropped.push({ sku, quantity, reason: 'SKU_NOT_FOUND' });
      continue;
    }
    if (current === undefined && quantities.size >= MAX_CART_LINES) {
      report.dropped.push({ sku, quantity, reason: 'CART_TOO_LARGE' });
      continue;
    }
    const wanted = (current ?? 0) + quantity;
    const kept = Math.min(wanted, MAX_LINE_QUANTITY);
    quantities.set(sku, kept);
    if (kept === current) {
      // Already full: nothing to write, but the guest's units did not fit.
      report.capped.push({ sku, wanted, kept });
      continue;
    }
    lines.push({ sku, quantity: kept });
    if (kept < wanted) {
      report.capped.push({ sku, wanted, kept });
    } else {
      report.added.push({ sku, quantity, total: kept });
    }
  }

  const accountKeys = new Set(view.accountPreferenceKeys);
  const preferences: GuestMergeDecision['preferences'] = [];
  for (const [key, value] of Object.entries(view.guestPreferences).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (accountKeys.has(key)) {
      report.preferences.kept.push(key);
    } else if (accountKeys.size >= MAX_PREFERENCES) {
      report.preferences.dropped.push(key);
    } else {
      accountKeys.add(key);
      preferences.push({ key, value });
      report.preferences.filled.push(key);
    }
  }
  return { lines, preferences, report };
}

/** Whether the merge left anything of the guest out (capped, dropped or discarded): worth telling the user. */
export function mergeLostSomething(report: Omit<GuestMergeReport, 'guestId'>): boolean {
  return report.capped.length + report.dropped.length + report.preferences.kept.length + report.preferences.dropped.length > 0;
}
