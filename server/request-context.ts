import { randomUUID } from 'node:crypto';

import Boom from '@hapi/boom';
import type { Request } from '@hapi/hapi';

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

const internals = {
  /** Long enough for any tracing scheme's ids, and only characters that are safe in a log line and a header. */
  requestId: /^[A-Za-z0-9._:@/+=-]{1,128}$/,
};

/**
 * Gives the request an id and a client address; runs before anything else (so the logger and the login throttle see
 * them). Part of the server's one `onRequest` extension (see createBaseServer).
 */
export function identifyRequest(request: Request, trustedProxies: TrustedProxies): void {
  const given: unknown = request.headers[Headers.requestId];
  request.app.requestId = typeof given === 'string' && internals.requestId.test(given) ? given : randomUUID();
  const forwardedFor: unknown = request.headers['x-forwarded-for'];
  request.app.clientAddress = resolveClientAddress(
    request.info.remoteAddress,
    typeof forwardedFor === 'string' ? forwardedFor : undefined,
    trustedProxies,
  );
}

/** Last touches to every response, errors included, made in the server's one `onPreResponse` extension. */
export type ResponseFinisher = (request: Request, response: Request['response']) => void;

/** Echoes the request id in `X-Request-Id` on every response, errors included, so a caller can quote it. */
export function stampRequestId(response: Request['response'], requestId: string): void {
  if (Boom.isBoom(response)) {
    response.output.headers[Headers.requestId] = requestId;
  } else {
    response.header(Headers.requestId, requestId);
  }
}
