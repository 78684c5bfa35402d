import { STATUS_CODES } from 'node:http';

import type { Boom } from '@hapi/boom';
import type { Lifecycle, Request, ResponseObject, ResponseToolkit } from '@hapi/hapi';

import type { ErrorBody, ErrorCode } from '../shared/errors.js';
import { allowedMethods } from './allowed-methods.js';
import { isStorageFull } from './db/storage-full.js';
import { StoreUnavailableError } from './db/store.js';
import { ShopError } from './domain/errors.js';
import type { Logger } from './logger.js';

/** What a client is told about an error. */
interface Classified {
  status: number;
  code: ErrorCode;
  message: string;
  headers: Record<string, string>;
  /** What a refusal says beyond its message (e.g. which lines are out of stock). */
  details?: unknown;
}

const internals = {
  /** Codes for the errors hapi itself raises before a handler runs (routing, payload parsing, auth plumbing). */
  byStatus: {
    400: 'VALIDATION_FAILED',
    401: 'AUTH_REQUIRED',
    403: 'FORBIDDEN',
    404: 'ROUTE_NOT_FOUND',
    405: 'ROUTE_NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    503: 'SERVICE_UNAVAILABLE',
  } as Partial<Record<number, ErrorCode>>,

  body(statusCode: number, code: ErrorCode, message: string, details: unknown): ErrorBody {
    const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message };
    return details === undefined ? body : { ...body, details };
  },

  /** hapi answers a path it knows, asked with a method it does not, 404 like an unknown path; RFC 9110 says 405 with Allow. */
  methodNotAllowed(request: Request, error: Boom): Classified | undefined {
    if (error instanceof ShopError || error.output.statusCode !== 404 || (request.route.method as string) !== '_special') {
      return undefined;
    }
    const allowed = allowedMethods(request);
    if (allowed.length === 0) {
      return undefined;
    }
    return { status: 405, code: 'METHOD_NOT_ALLOWED', message: `${request.method.toUpperCase()} is not allowed here; use ${allowed.join(', ')}`, headers: { Allow: allowed.join(', ') } };
  },

  /** Maps any error a request can end in to the status, code and message a client may see. */
  classify(error: Boom): Classified {
    if (error instanceof ShopError) {
      return { status: error.status, code: error.code, message: error.message, headers: { ...error.headers }, details: error.details };
    }
    if (isStorageFull(error)) {
      return { status: 503, code: 'STORAGE_FULL', message: 'The server has no room to store changes; try again later', headers: { 'Retry-After': '30' } };
    }
    if (error instanceof StoreUnavailableError) {
      return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; try again shortly', headers: { 'Retry-After': '1' } };
    }
    const status = error.output.statusCode;
    if (status >= 500) {
      // Never echo a server error's message: it may name tables, paths or values.
      return { status: 500, code: 'INTERNAL', message: 'Internal server error', headers: {} };
    }
    const message = error.output.payload.message || STATUS_CODES[status] || 'Request failed';
    if (status === 400 && /payload JSON format/i.test(message)) {
      return { status, code: 'INVALID_JSON', message: 'Request body is not valid JSON', headers: {} };
    }
    const code = internals.byStatus[status] ?? 'VALIDATION_FAILED';
    return { status, code, message: code === 'ROUTE_NOT_FOUND' ? 'No such route' : message, headers: {} };
  },
};

/** joi `failAction` for every route: the validation message is safe and useful, so it goes back as VALIDATION_FAILED. */
export const failValidation: Lifecycle.FailAction = (_request, _h, error) => {
  throw new ShopError('VALIDATION_FAILED', error?.message ?? 'Invalid request');
};

/**
 * The one place errors become responses: every error body has the shape `{statusCode, error, code, message}`, and a
 * stack trace never leaves the process. Unexpected errors are logged with their stack. Returns the answer to send in
 * place of an error, or `undefined` when the response is not one.
 */
export function errorResponder(log: Logger): (request: Request, h: ResponseToolkit) => ResponseObject | undefined {
  return (request, h) => {
    const response = request.response;
    if (!('isBoom' in response) || !response.isBoom) {
      return undefined;
    }
    const { status, code, message, headers, details } = internals.methodNotAllowed(request, response) ?? internals.classify(response);
    if (code === 'STORAGE_FULL') {
      request.server.app.storage?.reportFull();
    }
    if (status >= 500) {
      const cause = response instanceof StoreUnavailableError ? response.message : response.stack;
      log.error({ reqId: request.app.requestId, method: request.method, path: request.path, status, code, err: cause }, 'request failed');
    }
    const reply = h.response(internals.body(status, code, message, details)).code(status);
    for (const [name, value] of Object.entries(headers)) {
      reply.header(name, value);
    }
    return reply;
  };
}
