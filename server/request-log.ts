import type { ServerResponse } from 'node:http';

import type { Plugin, Request } from '@hapi/hapi';

import type { Logger } from './logger.js';

/** What a log line says about a request: no headers (they carry credentials), no body, no query string. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The client's address, through trusted proxies. */
  client: string;
  userAgent?: string;
}

/** What a request's log line says about the request. */
export function requestSerializer(request: Request): LoggedRequest {
  const userAgent: unknown = request.headers['user-agent'];
  return {
    method: request.method.toUpperCase(),
    path: request.path,
    client: request.app.clientAddress,
    ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 256) } : {}),
  };
}

/** What it says about the response: the status. Response headers are the same on every line and only add noise. */
export function responseSerializer(response: ServerResponse): { statusCode: number } {
  return { statusCode: response.statusCode };
}

export interface RequestLogOptions {
  log: Logger;
  /** Paths whose requests are not logged: probes hit them every few seconds on every instance. */
  ignorePaths: readonly string[];
}

/**
 * One line per finished request (method, path, client, status, time taken, request id), plus server start and stop.
 * It logs through the server's one logger with the request id as a field, instead of building a child logger for every
 * request as hapi-pino does: that cost ~4 % of a `GET /cart` even with logging off. Server errors are logged once, by
 * the error responder, with what the client was told.
 */
export const requestLog: Plugin<RequestLogOptions> = {
  name: 'shop-request-log',
  register(server, { log, ignorePaths }) {
    const ignored = new Set(ignorePaths);
    server.events.on('start', () => log.info({ uri: server.info.uri }, 'server started'));
    server.events.on('stop', () => log.info('server stopped'));
    if (!log.isLevelEnabled('info')) {
      // Not listening at all saves hapi emitting the event for every request; the level is fixed at start-up.
      return;
    }
    server.events.on('response', (request) => {
      if (ignored.has(request.path)) {
        return;
      }
      if (request.info.responded === 0) {
        // The client went away (or its stalled body was refused) before an answer was sent: nothing was answered.
        log.info(
          { reqId: request.app.requestId, req: requestSerializer(request), responseTime: Date.now() - request.info.received },
          'request aborted',
        );
        return;
      }
      log.info(
        {
          reqId: request.app.requestId,
          req: requestSerializer(request),
          res: responseSerializer(request.raw.res),
          responseTime: request.info.completed - request.info.received,
        },
        'request completed',
      );
    });
  },
};
