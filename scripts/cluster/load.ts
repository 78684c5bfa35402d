import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { TokenPair } from '../../shared/wire.js';

/** A shopper the load is driven for: registered and logged in through the load balancer. */
export interface LoadUser {
  index: number;
  email: string;
  accessToken: string;
}

/** One cart add, with its Idempotency-Key, and whether the server ever acknowledged it (a 200). */
export interface AddOperation {
  key: string;
  user: number;
  sku: string;
  acknowledged: boolean;
  attempts: number;
}

export interface LoadResult {
  operations: AddOperation[];
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Attempts that failed (a network error or a retryable status) and were tried again. */
  failedAttempts: number;
  /** A few of those failures, to print. */
  failureSamples: string[];
  /** Operations that never got a 200 before the attempts ran out, or got a status that is not worth retrying. */
  gaveUp: number;
}

export interface LoadOptions {
  baseUrl: string;
  /** Prefixes every X-Request-Id, so the access log can be split by phase. */
  phase: string;
  users: readonly LoadUser[];
  clientsPerUser: number;
  skus: readonly string[];
  /** Clients start no new operation once this returns true; operations under way still finish (retrying). */
  done: () => boolean;
  /** Called after every acknowledged operation, with how many there are so far. */
  onAcknowledged?: (count: number) => void;
}

const internals = {
  maxAttempts: 40,
  requestTimeoutMs: 10_000,
  /** Statuses a client may retry with the same key: the balancer or instance could not answer, or the key is busy. */
  retryable: new Set([409, 429, 500, 502, 503, 504]),

  backoff(attempt: number): Promise<void> {
    return sleep(Math.min(25 * 2 ** attempt, 400) * (0.5 + Math.random()));
  },

  async post(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(internals.requestTimeoutMs),
    });
  },
};

/** Registers and logs in `count` new users through `baseUrl`, retrying what a failing instance refused. */
export async function registerUsers(baseUrl: string, phase: string, count: number): Promise<LoadUser[]> {
  const password = 'cluster test password';
  return Promise.all(
    Array.from({ length: count }, async (_, index): Promise<LoadUser> => {
      const email = `${phase}-${index}-${randomUUID().slice(0, 8)}@example.test`;
      const key = randomUUID();
      for (let attempt = 0; ; attempt++) {
        const registered = await internals.post(`${baseUrl}/auth/register`, { email, password }, { 'idempotency-key': key }).catch(() => undefined);
        await registered?.arrayBuffer();
        if (registered?.status === 201) {
          break;
        }
        if (attempt >= 10) {
          throw new Error(`could not register ${email}: ${registered?.status ?? 'no answer'}`);
        }
        await internals.backoff(attempt);
      }
      for (let attempt = 0; ; attempt++) {
        const res = await internals.post(`${baseUrl}/auth/login`, { email, password }, {}).catch(() => undefined);
        if (res?.status === 200) {
          return { index, email, accessToken: ((await res.json()) as TokenPair).accessToken };
        }
        await res?.arrayBuffer();
        if (attempt >= 10) {
          throw new Error(`could not log in ${email}: ${res?.status ?? 'no answer'}`);
        }
        await internals.backoff(attempt);
      }
    }),
  );
}

/**
 * Drives `clientsPerUser` concurrent clients per user, each adding one unit of a SKU at a time with a fresh
 * Idempotency-Key, and retrying the same request with the same key after a failure until it is acknowledged — what the
 * `shop` CLI does. Resolves when `done()` has turned true and every started operation has ended.
 */
export async function runCartLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { operations: [], requests: 0, failedAttempts: 0, failureSamples: [], gaveUp: 0 };
  let acknowledged = 0;

  const addOnce = async (operation: AddOperation, user: LoadUser, client: number, op: number): Promise<void> => {
    for (operation.attempts = 1; operation.attempts <= internals.maxAttempts; operation.attempts++) {
      result.requests++;
      const requestId = `${options.phase}.u${user.index}.c${client}.o${op}.a${operation.attempts}`;
      let failure: string;
      try {
        const res = await internals.post(
          `${options.baseUrl}/cart/items`,
          { sku: operation.sku, quantity: 1 },
          { authorization: `Bearer ${user.accessToken}`, 'idempotency-key': operation.key, 'x-request-id': requestId },
        );
        const text = await res.text();
        if (res.status === 200) {
          operation.acknowledged = true;
          options.onAcknowledged?.(++acknowledged);
          return;
        }
        failure = `${res.status} ${text.replace(/\s+/g, ' ').slice(0, 100)}`;
        if (!internals.retryable.has(res.status)) {
          result.gaveUp++;
          result.failureSamples.push(`${requestId}: ${failure} (not retried)`);
          return;
        }
      } catch (error) {
        failure = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
      }
      result.failedAttempts++;
      if (result.failureSamples.length < 8) {
        result.failureSamples.push(`${requestId}: ${failure}`);
      }
      await internals.backoff(operation.attempts);
    }
    result.gaveUp++;
  };

  const client = async (user: LoadUser, client: number): Promise<void> => {
    for (let op = 0; !options.done(); op++) {
      // Spread each user's adds over the SKUs, so no line nears its 99-unit limit however long the load runs.
      const sku = options.skus[(op * options.clientsPerUser + client) % options.skus.length]!;
      const operation: AddOperation = { key: randomUUID(), user: user.index, sku, acknowledged: false, attempts: 0 };
      result.operations.push(operation);
      await addOnce(operation, user, client, op);
      await sleep(5 + Math.random() * 20);
    }
  };

  await Promise.all(options.users.flatMap((user) => Array.from({ length: options.clientsPerUser }, (_, i) => client(user, i))));
  return result;
}
