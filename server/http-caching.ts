import { createHash } from 'node:crypto';

import { isBoom } from '@hapi/boom';
import type { Request } from '@hapi/hapi';

import type { ResponseFinisher } from './request-context.js';

declare module '@hapi/hapi' {
  interface PluginSpecificConfiguration {
    /** `catalog: true` marks a route whose answers are the same for everyone, so shared caches may keep them. */
    'shop-caching'?: { catalog?: boolean };
  }
}

export interface HttpCachingOptions {
  /** `max-age` of catalogue answers, in seconds. */
  catalogMaxAgeSeconds: number;
}

const internals = {
  /** A strong validator of the body as sent: the same catalogue answer gets the same ETag on every instance. */
  etag(source: unknown): string {
    return createHash('sha256').update(JSON.stringify(source)).digest('base64url').slice(0, 27);
  },

  /** Answers tied to a user: whatever reads the token, and the auth endpoints that hand tokens out. */
  userBound(request: Request): boolean {
    return request.auth.mode !== null || request.path.startsWith('/auth/');
  },
};

/**
 * Cache headers as a CDN expects them. Catalogue answers (routes marked `catalog`) are `public, max-age=…` with an
 * ETag, so a proxy may serve them and a client may revalidate them (hapi answers a matching `If-None-Match` with 304).
 * Everything tied to a user is `no-store`, errors included, and — when it reads the token — `Vary: Authorization`, so
 * no cache ever hands one user's answer to another.
 */
export function cachingHeaders({ catalogMaxAgeSeconds }: HttpCachingOptions): ResponseFinisher {
  const catalogCacheControl = `public, max-age=${catalogMaxAgeSeconds}`;
  return (request, response) => {
    const catalog = request.route.settings.plugins?.['shop-caching']?.catalog === true;
    if (isBoom(response)) {
      if (!catalog && internals.userBound(request)) {
        response.output.headers['cache-control'] = 'no-store';
        if (request.auth.mode !== null) {
          response.output.headers.vary = 'authorization';
        }
      }
      return;
    }
    if (catalog && response.statusCode === 200) {
      response.header('cache-control', catalogCacheControl);
      if (response.headers.etag === undefined) {
        response.etag(internals.etag(response.source));
      }
    } else if (internals.userBound(request)) {
      response.header('cache-control', 'no-store');
      if (request.auth.mode !== null) {
        response.vary('authorization');
      }
    }
  };
}
