import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

import type { Server } from '@hapi/hapi';

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

/**
 * Replaces hapi's `clientError` handler on `listener`. A request hapi already started on the socket (whose body
 * stalled) is answered with its own request id; the hapi request then ends as aborted.
 */
export function answerClientErrors(server: Server, listener: HttpServer, log: Logger): void {
  const inFlight = new WeakMap<Socket, string>();
  server.ext('onRequest', (request, h) => {
    const socket = request.raw.req.socket;
    inFlight.set(socket, request.app.requestId);
    request.raw.res.once('finish', () => inFlight.delete(socket));
    return h.continue;
  });
  listener.removeAllListeners('clientError');
  listener.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const code = internals.classify(error.code);
    const requestId = inFlight.get(socket) ?? randomUUID();
    log.info({ reqId: requestId, status: errorStatus[code], code, err: error.code }, 'request refused by the HTTP parser');
    socket.end(internals.response(code, requestId));
  });
}
