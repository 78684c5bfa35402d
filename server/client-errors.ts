import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

import type { Request } from '@hapi/hapi';

import { type ErrorBody, type ErrorCode, errorStatus } from '../shared/errors.js';
import { Headers } from '../shared/http.js';
import type { Logger } from './logger.js';

/**
 * Requests Node's parser could not finish (headers too large, malformed, or a body that stalls past `requestTimeout`)
 * never reach hapi's lifecycle: hapi answers them with a bare 400, and one whose body stalls only after Node's
 * five-minute request timeout, because hapi first waits for the rest of the body. These answers are written here, in
 * the standard error shape with a request id, and the connection is closed.
 */

const internals = {
  classify(code: string | undefined): ErrorCode {
    switch (code) {
      case 'HPE_HEADER_OVERFLOW':
        return 'HEADERS_TOO_LARGE';
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        return 'REQUEST_TIMEOUT';
      default:
        return 'VALIDATION_FAILED';
    }
  },

  messages: {
    HEADERS_TOO_LARGE: 'Request headers are larger than the server accepts',
    REQUEST_TIMEOUT: 'The request did not arrive in time',
  } as Partial<Record<ErrorCode, string>>,

  response(code: ErrorCode, requestId: string): string {
    const status = errorStatus[code];
    const body: ErrorBody = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', code, message: internals.messages[code] ?? 'Malformed HTTP request' };
    const text = JSON.stringify(body);
    return [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(text)}`,
      'cache-control: no-store',
      `${Headers.requestId}: ${requestId}`,
      'connection: close',
      '',
      text,
    ].join('\r\n');
  },
};

/** The hapi request a socket is serving, set as it starts; it is in flight until its response has finished. */
const inFlight = Symbol('shop.inFlightRequest');

interface TrackedSocket extends Socket {
  [inFlight]?: Request;
}

/** Remembers which request a socket is serving: part of the server's one `onRequest` extension (see createBaseServer). */
export function trackInFlight(request: Request): void {
  (request.raw.req.socket as TrackedSocket)[inFlight] = request;
}

/**
 * Replaces hapi's `clientError` handler on `listener`. A request hapi already started on the socket (whose body
 * stalled) is answered with its own request id; the hapi request then ends as aborted.
 */
export function answerClientErrors(listener: HttpServer, log: Logger): void {
  listener.removeAllListeners('clientError');
  listener.on('clientError', (error: NodeJS.ErrnoException, socket: TrackedSocket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const code = internals.classify(error.code);
    const request = socket[inFlight];
    // A finished request's id is not this error's: the parser failed on what came after it.
    const requestId = request !== undefined && !request.raw.res.writableFinished ? request.app.requestId : randomUUID();
    log.info({ reqId: requestId, status: errorStatus[code], code, err: error.code }, 'request refused by the HTTP parser');
    socket.end(internals.response(code, requestId));
  });
}
