import { randomUUID } from 'node:crypto';

import type autocannon from 'autocannon';

import type { ProductRecord } from '../../server/db/store.js';
import { productPrice } from '../../shared/rules/pricing.js';
import type { LoadFigures, LoadPlan } from './load.js';

/**
 * Checkout throughput needs a cart to order each time, so each connection drives a cycle of two keyed requests as one
 * user: set a line to one unit, then order it (`POST /orders` with the price guard, as `shop checkout` sends it). Its baseline is
 * the same cycle with the checkout replaced by a keyed line removal, so the ratio is what checkout costs over a keyed
 * cart change. Products without a stock count only: a figure must have no refused request.
 */
export function cycleRequests(users: readonly string[], products: readonly ProductRecord[], finish: 'checkout' | 'remove'): autocannon.Request[] {
  // autocannon clears a connection's context each time it starts the cycle again, so a cycle takes a user from the
  // pool when it starts and gives it back when its last answer came: no two cycles ever share a cart. A run that ends
  // mid-cycle never gives its users back; they are taken back once they have been out far longer than any request.
  interface Buyer {
    token: string;
    product: ProductRecord;
    takenAt: number;
  }
  const free: Buyer[] = users.map((token, index) => ({ token, product: products[index % products.length] as ProductRecord, takenAt: 0 }));
  const out = new Set<Buyer>();
  interface Connection {
    buyer?: Buyer;
  }
  const take = (context: object): Buyer => {
    const connection = context as Connection;
    if (connection.buyer === undefined) {
      if (free.length === 0) {
        for (const buyer of out) {
          if (Date.now() - buyer.takenAt > 15_000) {
            out.delete(buyer);
            free.push(buyer);
          }
        }
      }
      const buyer = free.shift();
      if (buyer === undefined) {
        throw new Error('more connections than users');
      }
      buyer.takenAt = Date.now();
      out.add(buyer);
      connection.buyer = buyer;
    }
    return connection.buyer;
  };
  const giveBack = (_status: number, _body: string, context: object) => {
    const connection = context as Connection;
    if (connection.buyer !== undefined && out.delete(connection.buyer)) {
      free.push(connection.buyer);
    }
    connection.buyer = undefined;
  };
  const headers = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() });
  // A set, not an add: a cycle cut off by the end of a run leaves its line behind, and the next cycle of that user must
  // still order exactly one unit, as the price guard says.
  const add: autocannon.Request = {
    method: 'PUT',
    setupRequest: (request, context) => {
      const { token, product } = take(context);
      return { ...request, path: `/cart/items/${product.sku}`, headers: headers(token), body: JSON.stringify({ quantity: 1 }) };
    },
  };
  const order: autocannon.Request = {
    method: 'POST',
    path: '/orders',
    setupRequest: (request, context) => {
      const { token, product } = take(context);
      // The bench's users set no currency preference: their carts are in the catalogue's currency.
      const price = productPrice(product.prices, undefined);
      const expect = { lines: [{ sku: product.sku, quantity: 1, unitPrice: price.amount }], subtotal: price.amount, currency: price.currency };
      return { ...request, headers: headers(token), body: JSON.stringify({ expect }) };
    },
    onResponse: giveBack,
  };
  const remove: autocannon.Request = {
    method: 'DELETE',
    setupRequest: (request, context) => {
      const { token, product } = take(context);
      return { ...request, path: `/cart/items/${product.sku}`, headers: headers(token) };
    },
    onResponse: giveBack,
  };
  return [add, finish === 'checkout' ? order : remove];
}

/** A cycle plan: two requests per cycle, so cycles per second are half the requests per second. */
export function cyclePlan(name: string, url: string, requests: autocannon.Request[]): LoadPlan {
  return { name, url, request: requests[0] as autocannon.Request, requests };
}

/** Requests per second as cycles (orders) per second. */
export function perCycle(figures: LoadFigures, requestsPerCycle = 2): LoadFigures {
  return { ...figures, rps: figures.rps / requestsPerCycle };
}
