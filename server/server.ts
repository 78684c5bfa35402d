import Hapi from '@hapi/hapi';

import { MAX_PAYLOAD_BYTES } from '../shared/limits.js';
import { warmDecoyPassword } from './auth/passwords.js';
import { authStrategy } from './auth/strategy.js';
import type { Config } from './config.js';
import type { Store } from './db/store.js';
import { errorResponder, failValidation } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import { authRoutes } from './routes/auth.js';
import { cartRoutes } from './routes/cart.js';
import type { RouteDeps } from './routes/deps.js';
import { healthRoutes } from './routes/health.js';
import { preferenceRoutes } from './routes/preferences.js';
import { productRoutes } from './routes/products.js';

export interface ServerDeps {
  config: Config;
  store: Store;
  log?: Logger;
  /** The clock; tests move it to expire tokens. */
  now?: () => Date;
}

declare module '@hapi/hapi' {
  interface ServerApplicationState {
    /** Set by `stopServer`: `/readyz` answers 503 from then on. Process lifecycle, not user state. */
    draining: boolean;
  }
}

/**
 * Builds an initialized server that does not listen: tests drive it with `server.inject`, main.ts calls `start()`.
 * It holds no user, cart, preference or token state — every request is answered from `store`.
 */
export async function createServer({ config, store, log = silentLogger, now = () => new Date() }: ServerDeps): Promise<Hapi.Server> {
  const server = Hapi.server({
    host: config.host,
    port: config.port,
    debug: false,
    router: { stripTrailingSlash: true },
    routes: {
      payload: { maxBytes: MAX_PAYLOAD_BYTES, allow: ['application/json'] },
      validate: { failAction: failValidation, options: { abortEarly: true } },
      response: { emptyStatusCode: 204 },
      security: { noOpen: true, xframe: 'deny', referrer: 'no-referrer' },
    },
  });
  server.app.draining = false;

  const deps: RouteDeps = {
    store,
    config,
    now,
    idempotency: { store, now, retentionSeconds: idempotencyRetentionSeconds(config) },
  };
  await server.register({ plugin: authStrategy, options: { store, config, now } });
  await server.register([
    { plugin: authRoutes, options: deps },
    { plugin: productRoutes, options: deps },
    { plugin: cartRoutes, options: deps },
    { plugin: preferenceRoutes, options: deps },
    { plugin: healthRoutes, options: { ...deps, isDraining: () => server.app.draining } },
  ]);
  server.ext('onPreResponse', errorResponder(log));

  // The first login with an unknown email would otherwise pay for computing the decoy hash.
  warmDecoyPassword(config.passwordCost);
  await server.initialize();
  return server;
}

/** Idempotency keys outlive every refresh token (so an offline client's late replay is still recognised), and a day at least. */
export function idempotencyRetentionSeconds(config: Config): number {
  return Math.max(config.jwt.refreshTokenTtlSeconds, 24 * 3600);
}

/** Graceful stop: `/readyz` fails at once, then in-flight requests get up to `timeoutMs` to finish. */
export async function stopServer(server: Hapi.Server, timeoutMs: number): Promise<void> {
  server.app.draining = true;
  await server.stop({ timeout: timeoutMs });
}
