import { createServer as createHttpServer } from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import Hapi from '@hapi/hapi';

import { MAX_PAYLOAD_BYTES } from '../shared/limits.js';
import { Paths } from '../shared/http.js';
import { HashingGate } from './auth/hashing-gate.js';
import { warmDecoyPassword } from './auth/passwords.js';
import { answerClientErrors, trackInFlight } from './client-errors.js';
import { authStrategy } from './auth/strategy.js';
import type { Config } from './config.js';
import type { Store } from './db/store.js';
import { errorResponder, failValidation } from './errors.js';
import { cachingHeaders } from './http-caching.js';
import { type Logger, silentLogger } from './logger.js';
import { identifyRequest, type ResponseFinisher, stampRequestId } from './request-context.js';
import { requestLog } from './request-log.js';
import { accountRoutes } from './routes/account.js';
import { authRoutes } from './routes/auth.js';
import { cartRoutes } from './routes/cart.js';
import type { RouteDeps } from './routes/deps.js';
import { healthRoutes } from './routes/health.js';
import { jwksRoutes } from './routes/jwks.js';
import { openApiRoutes } from './routes/openapi.js';
import { orderRoutes } from './routes/orders.js';
import { preferenceRoutes } from './routes/preferences.js';
import { productRoutes } from './routes/products.js';
import { StorageHealth } from './storage-health.js';
import { syncRoutes } from './routes/sync.js';
import { utf8Bodies, watchBody } from './utf8-bodies.js';

export interface ServerDeps {
  config: Config;
  store: Store;
  /** Where request and error logs go; silent unless given, so tests stay quiet. */
  log?: Logger;
  /** The clock; tests move it to expire tokens. */
  now?: () => Date;
  /** The version the OpenAPI document states. */
  version?: string;
}

declare module '@hapi/hapi' {
  interface ServerApplicationState {
    /** Set by `stopServer`: `/readyz` answers 503 from then on. Process lifecycle, not user state. */
    draining: boolean;
    /** Told by the error responder when a write failed for lack of space; `/readyz` fails for a while after. */
    storage?: StorageHealth;
  }
}

export interface BaseServerOptions {
  /** `bodyTimeoutMs` defaults to 10 s. */
  config: Pick<Config, 'host' | 'port' | 'trustedProxies'> & Partial<Pick<Config, 'bodyTimeoutMs'>>;
  /** Where request and error logs go; silent unless given, so tests stay quiet. */
  log?: Logger;
  /** Run on every response after the error shape and the request id (createServer: the cache headers). */
  finishResponse?: ResponseFinisher;
}

/**
 * A Hapi server with shop's request pipeline and no routes: its settings (payload limits, validation errors, security
 * headers), request ids and client addresses, request logs, and the one error shape. {@link createServer} adds the
 * auth strategy and the routes; the benchmark's stateful reference adds an in-memory session instead, so the two
 * differ only in where state lives.
 */
export async function createBaseServer({ config, log = silentLogger, finishResponse }: BaseServerOptions): Promise<Hapi.Server> {
  const bodyTimeoutMs = config.bodyTimeoutMs ?? 10_000;
  // Node's own request timeout bounds how long a request may take to arrive, headers and body (its default is five
  // minutes, checked every 30 s); answerClientErrors turns it into a 408. hapi's payload timeout is off: on expiry it
  // waits for the rest of the body before answering, which a stalled client never sends.
  const listener = createHttpServer({
    requestTimeout: bodyTimeoutMs,
    headersTimeout: bodyTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(bodyTimeoutMs / 4))),
  });
  const server = Hapi.server({
    listener,
    host: config.host,
    port: config.port,
    debug: false,
    router: { stripTrailingSlash: true },
    routes: {
      payload: { maxBytes: MAX_PAYLOAD_BYTES, allow: ['application/json'], timeout: false },
      validate: { failAction: failValidation, options: { abortEarly: true } },
      response: { emptyStatusCode: 204 },
      security: { noOpen: true, xframe: 'deny', referrer: 'no-referrer' },
    },
  });
  // One extension per point, each doing all its parts, as every extension costs a step of hapi's request lifecycle.
  // Errors become bodies before the request id is stamped on them; the request id and client address exist before
  // anything else runs.
  const { trustedProxies } = config;
  const respondToError = errorResponder(log);
  server.ext('onRequest', (request, h) => {
    identifyRequest(request, trustedProxies);
    trackInFlight(request);
    watchBody(request);
    return h.continue;
  });
  server.ext('onPreResponse', (request, h) => {
    const reply = respondToError(request, h);
    const response = reply ?? request.response;
    stampRequestId(response, request.app.requestId);
    finishResponse?.(request, response);
    return reply ?? h.continue;
  });
  answerClientErrors(listener, log);
  await server.register(utf8Bodies);
  // Probes hit these every few seconds on every instance; their failures show in /readyz itself.
  await server.register({ plugin: requestLog, options: { log, ignorePaths: [Paths.healthz, Paths.readyz] } });
  return server;
}

/**
 * Builds an initialized server that does not listen: tests drive it with `server.inject`, main.ts calls `start()`.
 * It holds no user, cart, preference or token state — every request is answered from `store`.
 */
export async function createServer({ config, store, log = silentLogger, now = () => new Date(), version = '0.0.0' }: ServerDeps): Promise<Hapi.Server> {
  const server = await createBaseServer({ config, log, finishResponse: cachingHeaders({ catalogMaxAgeSeconds: config.catalogMaxAgeSeconds }) });
  server.app.draining = false;
  const storage = new StorageHealth(now);
  server.app.storage = storage;

  const deps: RouteDeps = {
    store,
    config,
    now,
    idempotency: { store, now, retentionSeconds: config.idempotency.retentionSeconds, maxRecordsPerScope: config.idempotency.maxRecordsPerUser },
    hashing: new HashingGate(config.passwordHashing),
  };
  await server.register({ plugin: authStrategy, options: { store, config, now } });
  await server.register([
    { plugin: authRoutes, options: deps },
    { plugin: accountRoutes, options: deps },
    { plugin: productRoutes, options: deps },
    { plugin: cartRoutes, options: deps },
    { plugin: orderRoutes, options: deps },
    { plugin: preferenceRoutes, options: deps },
    { plugin: syncRoutes, options: deps },
    { plugin: healthRoutes, options: { ...deps, isDraining: () => server.app.draining, isStorageFull: () => storage.isFull() } },
    { plugin: jwksRoutes, options: deps },
    { plugin: openApiRoutes, options: { version } },
  ]);

  // The first login with an unknown email would otherwise pay for computing the decoy hash.
  warmDecoyPassword(config.passwordCost);
  await server.initialize();
  return server;
}

export interface StopOptions {
  /** How long `/readyz` fails while requests are still served, so a load balancer that polls it stops sending. */
  drainDelayMs?: number;
  /**
   * After the server stops accepting, how long connections it has already accepted get to deliver their request before
   * hapi ends those that have not (it takes them for idle keep-alive connections). A proxy writes its request right
   * after connecting, so without this grace a request it has already sent could be cut off unanswered.
   */
  acceptedGraceMs?: number;
}

/**
 * Graceful stop: `/readyz` fails at once, requests are still served for `drainDelayMs`, then the server stops
 * accepting, lets just-accepted connections deliver their request, and gives in-flight requests up to `timeoutMs`.
 */
export async function stopServer(server: Hapi.Server, timeoutMs: number, { drainDelayMs = 0, acceptedGraceMs = 0 }: StopOptions = {}): Promise<void> {
  server.app.draining = true;
  if (drainDelayMs > 0) {
    await sleep(drainDelayMs);
  }
  if (acceptedGraceMs > 0 && server.info.started > 0) {
    // net.Server's close stops accepting and leaves open connections alone; http.Server's would end the idle ones now.
    net.Server.prototype.close.call(server.listener);
    await sleep(acceptedGraceMs);
  }
  await server.stop({ timeout: timeoutMs });
}
