import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { Health } from '../../shared/wire.js';
import type { RouteDeps } from './deps.js';

export interface HealthOptions extends RouteDeps {
  /** True once shutdown has begun, so a load balancer drains this instance before it stops accepting. */
  isDraining: () => boolean;
  /** True while writes have lately failed for lack of space: the instance can read but not store. */
  isStorageFull: () => boolean;
}

/**
 * `/healthz`: the process answers. `/readyz`: a database that takes writes answers too, writes have not just failed for
 * lack of space, and the instance is not shutting down.
 */
export const healthRoutes: Plugin<HealthOptions> = {
  name: 'shop-health',
  register(server, { store, isDraining, isStorageFull }) {
    server.route([
      {
        method: 'GET',
        path: Paths.healthz,
        options: { auth: false, description: 'Liveness: the process answers', handler: (): Health => ({ status: 'ok' }) },
      },
      {
        method: 'GET',
        path: Paths.readyz,
        options: {
          auth: false,
          description: 'Readiness: a database that takes writes answers, has room to write, and the instance is not shutting down',
          handler: async (_request, h) => {
            const unavailable = h.response({ status: 'unavailable' } satisfies Health).code(503);
            if (isDraining() || isStorageFull()) {
              return unavailable;
            }
            try {
              await store.ping();
            } catch {
              return unavailable;
            }
            return { status: 'ok' } satisfies Health;
          },
        },
      },
    ]);
  },
};
