import type { ServerResponse } from 'node:http';

import type { Request } from '@hapi/hapi';

/** What a log line says about a request: no headers (they carry credentials), no body, no query string. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The client's address, through trusted proxies. */
  client: string;
  userAgent?: string;
}

/** pino serializer for the `req` binding of every request's log lines. */
export function requestSerializer(request: Request): LoggedRequest {
  const userAgent: unknown = request.headers['user-agent'];
  return {
    method: request.method.toUpperCase(),
    path: request.path,
    client: request.app.clientAddress,
    ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 256) } : {}),
  };
}

/** pino serializer for `res`: the status. Response headers are the same on every line and only add noise. */
export function responseSerializer(response: ServerResponse): { statusCode: number } {
  return { statusCode: response.statusCode };
}
