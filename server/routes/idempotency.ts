import { hash } from 'node:crypto';

import type { Request, ResponseObject, ResponseToolkit } from '@hapi/hapi';

import { Headers } from '../../shared/http.js';
import { refusals } from '../../shared/rules/refusals.js';
import type { IdempotentResponse, Store } from '../db/store.js';
import { refused } from '../domain/errors.js';

/** What a mutation answers; serialised once and, with an Idempotency-Key, stored for replay. */
export interface MutationResult {
  status: number;
  /** A JSON object; none for 204. */
  body?: object;
  headers?: Record<string, string>;
}

/** How one route's requests are fingerprinted and replayed, when it holds something that must not be stored. */
export interface IdempotencyOptions {
  /**
   * Top-level body fields left out of the fingerprint because they are secrets (a password): the fingerprint is kept
   * for weeks, and a fast hash of a password in it would let anyone who reads the database guess the password far
   * faster than its scrypt hash allows. What they held is checked on a replay by `confirmReplay` instead.
   */
  secretFields?: readonly string[];
  /**
   * Asked before a stored answer is replayed: is this request, secrets included, the one that produced it? `false`
   * answers 422 as for a different request. Runs after the claim's transaction ended, so slow checks hold no lock.
   */
  confirmReplay?: (stored: IdempotentResponse) => Promise<boolean>;
}

export interface IdempotencyDeps {
  store: Store;
  now: () => Date;
  /** How long a key is remembered (24 hours unless configured): retries of a request come within it. */
  retentionSeconds: number;
  /** Most records kept per scope (one user's keys): past it, each new one replaces that scope's oldest. */
  maxRecordsPerScope: number;
}

const internals = {
  /**
   * JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same request. Plain loops: this runs on every keyed
   * request, and stored fingerprints depend on its exact output, which must never change.
   */
  canonical(value: unknown): string {
    if (typeof value !== 'object' || value === null) {
      return JSON.stringify(value) ?? 'null';
    }
    if (Array.isArray(value)) {
      let out = '[';
      for (let index = 0; index < value.length; index++) {
        out += `${index === 0 ? '' : ','}${internals.canonical(value[index])}`;
      }
      return `${out}]`;
    }
    const record = value as Record<string, unknown>;
    let out = '';
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item !== undefined) {
        out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${internals.canonical(item)}`;
      }
    }
    return `{${out}}`;
  },

  fingerprint(request: Request, secretFields: readonly string[]): string {
    return requestFingerprint(request.method, request.path, internals.withoutSecrets(request.payload ?? null, secretFields));
  },

  withoutSecrets(payload: unknown, secretFields: readonly string[]): unknown {
    if (secretFields.length === 0 || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return payload;
    }
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(payload)) {
      if (!secretFields.includes(name)) {
        kept[name] = value;
      }
    }
    return kept;
  },

  /** The body as JSON, serialised once: stored for replays and sent as these same bytes (see `send`). */
  serialise(result: MutationResult): IdempotentResponse {
    return { status: result.status, body: result.body === undefined ? '' : JSON.stringify(result.body), headers: result.headers ?? {} };
  },

  /** An answer to a request without a key: hapi serialises the value. */
  reply(h: ResponseToolkit, result: MutationResult): ResponseObject {
    const reply = h.response(result.body).code(result.status);
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      reply.header(name, value);
    }
    return reply;
  },

  /** The stored bytes as they are: a keyed answer goes out exactly as it was stored, the first time and on replays. */
  send(h: ResponseToolkit, stored: IdempotentResponse, replayed: boolean): ResponseObject {
    const reply = stored.body === '' ? h.response().code(stored.status) : h.response(stored.body).type('application/json; charset=utf-8').code(stored.status);
    for (const [name, value] of Object.entries(stored.headers)) {
      reply.header(name, value);
    }
    return replayed ? reply.header('Idempotent-Replayed', 'true') : reply;
  },
};

/**
 * Runs a mutation at most once per `Idempotency-Key` within `scope` (the user, or for registration the email).
 *
 * The key, a fingerprint of method + path + body, and the response are written in the same transaction as the
 * mutation, so either all of them commit or none does. A repeat gets the stored response byte for byte with
 * `Idempotent-Replayed: true`; the same key with a different request gets 422; a repeat that cannot wait for the
 * first to finish gets 409. Errors are not stored: the transaction rolls back, and a retry runs the request afresh.
 * A scope keeps its `maxRecordsPerScope` newest records: the oldest goes, in the same transaction, when one more is
 * stored, so a retry of that oldest request would run again (the bound is far above any client's retries in flight).
 * Without a key the mutation simply runs.
 */
export async function runIdempotent(
  request: Request,
  h: ResponseToolkit,
  deps: IdempotencyDeps,
  scope: string,
  mutate: (store: Store) => Promise<MutationResult>,
  options: IdempotencyOptions = {},
): Promise<ResponseObject> {
  const key: unknown = request.headers[Headers.idempotencyKey];
  if (typeof key !== 'string') {
    return internals.reply(h, await mutate(deps.store));
  }
  const fingerprint = internals.fingerprint(request, options.secretFields ?? []);
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.retentionSeconds * 1000);
  const outcome = await deps.store.transaction(async (tx) => {
    const claim = await tx.idempotency.claim(scope, key, fingerprint, now, expiresAt);
    switch (claim.status) {
      case 'replay':
        return { kind: 'replay' as const, stored: claim.record };
      case 'mismatch':
        throw refused(refusals.idempotencyKeyReused());
      case 'in_flight':
        throw refused(refusals.idempotencyInFlight(), { 'Retry-After': '1' });
      case 'claimed': {
        const response = internals.serialise(await mutate(tx));
        await tx.idempotency.complete(scope, key, response);
        await tx.idempotency.trim(scope, deps.maxRecordsPerScope);
        return { kind: 'fresh' as const, stored: response };
      }
    }
  });
  if (outcome.kind === 'replay' && options.confirmReplay && !(await options.confirmReplay(outcome.stored))) {
    throw refused(refusals.idempotencyKeyReused());
  }
  return internals.send(h, outcome.stored, outcome.kind === 'replay');
}

/** SHA-256 of method, path and canonical body: what makes "the same request" under one key. */
export function requestFingerprint(method: string, path: string, payload: unknown): string {
  return hash('sha256', `${method.toUpperCase()} ${path}\n${internals.canonical(payload)}`);
}

/** The scope of a registration's key: the address being registered, as there is no user yet. */
export function registrationScope(email: string): string {
  return `register:${hash('sha256', email)}`;
}

/** The scope of an authenticated user's keys. */
export function userScope(userId: string): string {
  return `user:${userId}`;
}
