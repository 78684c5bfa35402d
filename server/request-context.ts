import { randomUUID } from 'node:crypto';

import Boom from '@hapi/boom';
import type { Plugin } from '@hapi/hapi';

import { Headers } from '../shared/http.js';
import { resolveClientAddress, type TrustedProxies } from './client-address.js';

declare module '@hapi/hapi' {
  interface RequestApplicationState {
    /** The caller's `X-Request-Id` when it is sane, else a fresh UUID; logged with every line and echoed back. */
    requestId: string;
    /** The client's address, through trusted proxies only; see {@link resolveClientAddress}. */
    clientAddress: string;
  }
}

export interface RequestContextOptions {
  trustedProxies: TrustedProxies;
}

const internals = {
  /** Long enough for any tracing scheme's ids, and only characters that are safe in a log line and a header. */
  requestId: /^[A-Za-z0-9._:@/+=-]{1,128}$/,
};

/**
 * Gives every request an id and a client address before anything else runs (so the logger and the login throttle see
 * them), and echoes the id in `X-Request-Id` on every response, errors included, so a caller can quote it.
 */
export const requestContext: Plugin<RequestContextOptions> = {
  name: 'shop-request-context',
  register(server, { trustedProxies }) {
    server.ext('onRequest', (request, h) => {
      const given: unknown = request.headers[Headers.requestId];
      request.app.requestId = typeof given === 'string' && internals.requestId.test(given) ? given : randomUUID();
      const forwardedFor: unknown = request.headers['x-forwarded-for'];
      request.app.clientAddress = resolveClientAddress(
        request.info.remoteAddress,
        typeof forwardedFor === 'string' ? forwardedFor : undefined,
        trustedProxies,
      );
      return h.continue;
    });

    server.ext('onPreResponse', (request, h) => {
      const response = request.response;
      if (Boom.isBoom(response)) {
        response.output.headers[Headers.requestId] = request.app.requestId;
      } else {
        response.header(Headers.requestId, request.app.requestId);
      }
      return h.continue;
    });
  },
};
