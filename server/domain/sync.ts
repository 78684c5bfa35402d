import { createHash, randomUUID } from 'node:crypto';

import { errorStatus } from '../../shared/errors.js';
import { MAX_PUSH_CHANGES } from '../../shared/limits.js';
import { decideSequence, isFinalRefusal } from '../../shared/rules/sequence.js';
import { refusals } from '../../shared/rules/refusals.js';
import { cartETag, Paths } from '../../shared/http.js';
import type { ChangeAnswer, ChangeOp, PreferenceValue, PushResponse, PushResult, StockWarning } from '../../shared/wire.js';
import type { DeviceRefusal, Store } from '../db/store.js';
import { answerCart, type CartChangeOp, changeLockedCart, getCart } from './cart.js';
import { guestRefusal, refused, ShopError } from './errors.js';
import { placeOrder, toOrder } from './orders.js';
import { deletePreference, setPreference } from './preferences.js';

/** A change of a push, with what the legacy-key check needs worked out by the route. */
export interface SequencedChange {
  seq: number;
  op: ChangeOp;
  /** An Idempotency-Key an older `shop` sent this change with, and the fingerprint its single request had. */
  legacy?: { scope: string; key: string; fingerprint: string };
}

export interface PushDeps {
  store: Store;
  now: () => Date;
  /** Most devices one user keeps; registering one more evicts the least recently seen. */
  maxDevices: number;
  /** How long a legacy key's record is kept, as every other Idempotency-Key record. */
  retentionSeconds: number;
}

/**
 * A change's result; `unreadCart` when it changed the cart and its answer, the cart, is not read yet (the batch reads it
 * only if no later change's answer supersedes it), with the warnings that answer carries.
 */
interface Applied {
  result: PushResult;
  unreadCart?: StockWarning[];
}

/** The device's row as the batch holds it locked: read once, written once before COMMIT. */
interface DeviceCursor {
  lastSeq: number;
  refusals: DeviceRefusal[];
  changed: boolean;
}

const internals = {
  /**
   * The id of the order a queued checkout places: derived from the user, device and sequence (shaped as a UUID v4), so
   * a repeat of the change finds the order it placed and answers with it.
   */
  orderId(userId: string, deviceId: string, seq: number): string {
    const bytes = createHash('sha256').update(`order\n${userId}\n${deviceId}\n${seq}`).digest().subarray(0, 16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },

  isCartOp(op: ChangeOp): op is CartChangeOp {
    return op.kind === 'cart.add' || op.kind === 'cart.set' || op.kind === 'cart.remove' || op.kind === 'cart.clear';
  },

  /** Applies the op inside `tx`, which holds the cart and user locks (each domain operation joins the transaction). */
  async apply(tx: Store, userId: string, deviceId: string, seq: number, op: ChangeOp, now: Date): Promise<ChangeAnswer> {
    if (internals.isCartOp(op)) {
      return { kind: 'cart', cart: await answerCart(tx, userId, await changeLockedCart(tx, userId, op, now)) };
    }
    switch (op.kind) {
      case 'prefs.set':
        return { kind: 'preference', preference: await setPreference(tx, userId, op.key, op.value, now) };
      case 'prefs.unset':
        await deletePreference(tx, userId, op.key);
        return { kind: 'preference-removed', key: op.key };
      case 'order.place': {
        // Read only for orders: the one change a guest may not make (refused for good, like any refusal).
        if ((await tx.users.findById(userId))?.kind === 'guest') {
          throw guestRefusal('place orders');
        }
        // No If-Match: the cart's version after the changes queued before it was unknown to the device; the price
        // guard is the check. A device id the server forgot and was sent again could meet its own old order's id.
        const derived = internals.orderId(userId, deviceId, seq);
        const id = (await tx.orders.get(userId, derived)) === null ? derived : randomUUID();
        return { kind: 'order', order: await placeOrder(tx, userId, { ifMatch: undefined, expect: op.expect, id, now }) };
      }
    }
  },

  /** What a repeat is answered with: the state the op touched, as it is now. */
  async current(tx: Store, userId: string, deviceId: string, seq: number, op: ChangeOp): Promise<ChangeAnswer> {
    if (op.kind === 'order.place') {
      const order = await tx.orders.get(userId, internals.orderId(userId, deviceId, seq));
      // Placed by a single keyed request (an older `shop`), its id is not this one: the cart is what it touched.
      return order === null ? { kind: 'cart', cart: await getCart(tx, userId) } : { kind: 'order', order: toOrder(order) };
    }
    if (op.kind === 'prefs.set' || op.kind === 'prefs.unset') {
      const value = await tx.preferences.get(userId, op.key);
      return value === undefined
        ? { kind: 'preference-removed', key: op.key }
        : { kind: 'preference', preference: { key: op.key, value: value as PreferenceValue } };
    }
    return { kind: 'cart', cart: await getCart(tx, userId) };
  },

  /** Keeps each thing's answer on the last result that touched it; see `PushResult`. */
  latestAnswersOnly(results: PushResult[]): PushResult[] {
    const seen = new Set<string>();
    const kept: PushResult[] = [];
    for (let index = results.length - 1; index >= 0; index--) {
      const result = results[index]!;
      if (result.outcome === 'refused' || result.answer === undefined) {
        kept.push(result);
        continue;
      }
      const { answer } = result;
      // Every order is its own thing: its answer is never superseded.
      const touched =
        answer.kind === 'cart' ? 'cart' : answer.kind === 'order' ? `order ${answer.order.id}` : `preference ${answer.kind === 'preference' ? answer.preference.key : answer.key}`;
      if (seen.has(touched)) {
        const { answer: _older, ...rest } = result;
        kept.push(rest);
      } else {
        seen.add(touched);
        kept.push(result);
      }
    }
    return kept.reverse();
  },

  /** The record a single keyed request would have stored, so the legacy key's claim is completed like any other. */
  stored(answer: ChangeAnswer): { status: number; body: string; headers: Record<string, string> } {
    switch (answer.kind) {
      case 'cart':
        return { status: 200, body: JSON.stringify(answer.cart), headers: { etag: cartETag(answer.cart.version) } };
      case 'preference':
        return { status: 200, body: JSON.stringify(answer.preference), headers: {} };
      case 'preference-removed':
        return { status: 204, body: '', headers: {} };
      case 'order':
        return { status: 201, body: JSON.stringify(answer.order), headers: { location: Paths.order(answer.order.id) } };
    }
  },

  /**
   * One change, inside the batch's transaction, which holds the cart, user and device locks: decide by the device's
   * sequence, apply the op, and raise the sequence (in `device`, written before COMMIT). A final refusal raises it too:
   * the op refuses before it writes anything, so nothing of it commits but the sequence. A cart change's answer is left
   * unread (`unreadCart`) unless its legacy key's record needs it now.
   */
  async one(tx: Store, deps: PushDeps, userId: string, deviceId: string, device: DeviceCursor, change: SequencedChange, now: Date): Promise<Applied> {
    const decision = decideSequence(device.lastSeq, change.seq);
    if (decision.kind === 'refuse') {
      throw refused(refusals.deviceUnknown());
    }
    if (decision.kind === 'repeat') {
      const refusal = device.refusals.find((kept) => kept.seq === change.seq);
      if (refusal !== undefined) {
        const { status, code, message } = refusal;
        return { result: { seq: change.seq, outcome: 'refused', error: { status, code, message } } };
      }
      return { result: { seq: change.seq, outcome: 'repeat', answer: await internals.current(tx, userId, deviceId, change.seq, change.op) } };
    }
    const advance = (): void => {
      device.lastSeq = Math.max(device.lastSeq, change.seq);
      device.changed = true;
    };
    /** A final refusal: the sequence is used up, and the refusal kept for a resend of this batch. */
    const refuse = (error: { status: number; code: string; message: string }): Applied => {
      advance();
      device.refusals = [...device.refusals, { seq: change.seq, ...error }].slice(-MAX_PUSH_CHANGES);
      return { result: { seq: change.seq, outcome: 'refused', error } };
    };
    const { legacy, op } = change;
    if (legacy !== undefined) {
      const expiresAt = new Date(now.getTime() + deps.retentionSeconds * 1000);
      const claim = await tx.idempotency.claim(legacy.scope, legacy.key, legacy.fingerprint, now, expiresAt);
      if (claim.status === 'in_flight') {
        throw refused(refusals.idempotencyInFlight(), { 'Retry-After': '1' });
      }
      if (claim.status === 'replay') {
        advance();
        return { result: { seq: change.seq, outcome: 'repeat', answer: await internals.current(tx, userId, deviceId, change.seq, op) } };
      }
      if (claim.status === 'mismatch') {
        const refusal = refusals.idempotencyKeyReused();
        return refuse({ status: errorStatus[refusal.code], code: refusal.code, message: refusal.message });
      }
    }
    try {
      if (legacy === undefined && internals.isCartOp(op)) {
        const unreadCart = await changeLockedCart(tx, userId, op, now);
        advance();
        return { result: { seq: change.seq, outcome: 'applied' }, unreadCart };
      }
      const answer = await internals.apply(tx, userId, deviceId, change.seq, op, now);
      if (legacy !== undefined) {
        await tx.idempotency.complete(legacy.scope, legacy.key, internals.stored(answer));
      }
      advance();
      return { result: { seq: change.seq, outcome: 'applied', answer } };
    } catch (error) {
      if (!(error instanceof ShopError) || !isFinalRefusal(error.status, error.code)) {
        throw error;
      }
      // The claimed legacy key records the refusal: the sequence now answers for this change, and an incomplete
      // claim would read as in flight.
      if (legacy !== undefined) {
        await tx.idempotency.complete(legacy.scope, legacy.key, { status: error.status, body: '', headers: {} });
      }
      return refuse({ status: error.status, code: error.code, message: error.message });
    }
  },

  /**
   * The batch's changes in order. A cart change's answer is read only when the next change could alter what it shows (a
   * preference, an order, a legacy key's record, a repeat) or the batch ends: a later cart change that is applied
   * supersedes it (only the last answer per thing is sent), and one refused leaves the cart as it was.
   */
  async applyAll(tx: Store, deps: PushDeps, userId: string, deviceId: string, device: DeviceCursor, changes: readonly SequencedChange[]): Promise<PushResult[]> {
    const done: PushResult[] = [];
    let unread: { index: number; warnings: StockWarning[] } | null = null;
    const readUnread = async (): Promise<void> => {
      if (unread !== null) {
        const cart = await answerCart(tx, userId, unread.warnings);
        done[unread.index] = { ...(done[unread.index] as PushResult & { outcome: 'applied' }), answer: { kind: 'cart', cart } };
        unread = null;
      }
    };
    for (const change of changes) {
      if (change.legacy !== undefined || !internals.isCartOp(change.op) || change.seq <= device.lastSeq) {
        await readUnread();
      }
      const applied = await internals.one(tx, deps, userId, deviceId, device, change, deps.now());
      if (applied.unreadCart !== undefined) {
        unread = { index: done.length, warnings: applied.unreadCart };
      }
      done.push(applied.result);
    }
    await readUnread();
    return done;
  },
};

/**
 * Applies a device's changes in order, each exactly once however often and however late it is resent: the device's
 * row holds the last sequence applied, raised in the same transaction as each change's effect. A change refused for
 * good gets its refusal as its result and the next one is applied. A device the server does not know is registered
 * only on its first push; otherwise the push is refused with DEVICE_UNKNOWN, as the server cannot know which of its
 * changes were applied before it was forgotten.
 */
export async function pushChanges(deps: PushDeps, userId: string, deviceId: string, firstPush: boolean, changes: readonly SequencedChange[]): Promise<PushResponse> {
  const now = deps.now();
  if (firstPush && (await deps.store.devices.register(userId, deviceId, now))) {
    // In its own statement, after the new row committed: eviction takes no lock another device's push could wait on.
    await deps.store.devices.evictBeyond(userId, deps.maxDevices);
  }
  // One transaction for the batch, each change's effect and its sequence together inside it: BEGIN and COMMIT were
  // most of a change's cost. A refusal is decided before its change writes anything, so it leaves nothing behind but
  // its sequence; anything else (the database failing) rolls the whole batch back, and the device sends it again.
  const results = await deps.store.transaction(async (tx) => {
    // Every lock a batch may need, up front and in one order (cart, user, device, as every push takes them): two
    // devices' batches would otherwise each hold one and wait for the other. Single requests take only one of them.
    await tx.carts.lock(userId);
    await tx.users.lock(userId);
    const state = changes.length === 0 ? null : await tx.devices.lock(userId, deviceId, now);
    if (state === null) {
      if (changes.length === 0) {
        return [];
      }
      throw refused(refusals.deviceUnknown());
    }
    // The row is locked until COMMIT: its sequence and refusals are kept here and written once, after the last change.
    const device: DeviceCursor = { lastSeq: state.lastSeq, refusals: state.refusals, changed: false };
    const done = await internals.applyAll(tx, deps, userId, deviceId, device, changes);
    if (device.changed) {
      await tx.devices.advance(userId, deviceId, device.lastSeq);
      if (device.refusals !== state.refusals) {
        await tx.devices.setRefusals(userId, deviceId, device.refusals);
      }
    }
    return done;
  });
  return { results: internals.latestAnswersOnly(results) };
}

/** Forgets a device (its logout, with nothing left queued). `false` when the server did not know it. */
export function forgetDevice(store: Store, userId: string, deviceId: string): Promise<boolean> {
  return store.devices.remove(userId, deviceId);
}
