import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { ApiError, ServerUnreachableError } from '../../../cli/api/errors.js';
import { createUndiciTransport, type Transport } from '../../../cli/api/transport.js';
import { makeConfigDir, runShop } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, afterEach } = lab;

type Handler = (request: IncomingMessage, response: ServerResponse, attempt: number) => void;

/**
 * A bare HTTP server that misbehaves on purpose — drops connections, answers 503, stalls — which the real shop
 * server cannot be made to do. Command behaviour is tested against the real server; this is for the transport.
 */
async function misbehavingServer(handler: Handler): Promise<{ url: string; requests: IncomingMessage[]; server: Server }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    request.resume();
    request.on('end', () => handler(request, response, requests.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('the HTTP transport', () => {
  let server: Server | undefined;
  let transport: Transport | undefined;

  const start = async (handler: Handler, options: { responseTimeoutMs?: number } = {}) => {
    const started = await misbehavingServer(handler);
    server = started.server;
    transport = createUndiciTransport({ baseUrl: started.url, userAgent: 'shop-test', retryDelaysMs: [1, 1], ...options });
    return { ...started, transport };
  };

  afterEach(async () => {
    await transport?.close();
    if (server !== undefined) {
      const closing = server;
      closing.closeAllConnections();
      await new Promise((resolve) => closing.close(resolve));
    }
    server = undefined;
    transport = undefined;
  });

  it('fails with a distinct error naming the URL when nothing listens', async () => {
    const refused = createUndiciTransport({ baseUrl: 'http://127.0.0.1:9', userAgent: 'shop-test', retryDelaysMs: [] });
    try {
      const error = await expect(refused.send({ method: 'GET', path: '/products' })).to.reject(ServerUnreachableError);
      expect(error).to.include({ reason: 'refused', url: 'http://127.0.0.1:9' });
      expect(error.message).to.equal('cannot reach the shop server at http://127.0.0.1:9: connection refused');
    } finally {
      await refused.close();
    }
  });

  it('gives up at once on a refused connection when told the caller has something to fall back on', async () => {
    const refused = createUndiciTransport({ baseUrl: 'http://127.0.0.1:9', userAgent: 'shop-test', retryDelaysMs: [2_000], retryNeverSent: false });
    const started = Date.now();
    try {
      await expect(refused.send({ method: 'GET', path: '/cart' })).to.reject(ServerUnreachableError);
      expect(Date.now() - started).to.be.below(1_500);
    } finally {
      await refused.close();
    }
  });

  it('retries a GET whose connection was dropped, and succeeds', async () => {
    const { requests } = await start((_request, response, attempt) => {
      if (attempt === 1) {
        response.socket?.destroy();
        return;
      }
      json(response, 200, { status: 'ok' });
    });

    const response = await transport!.send({ method: 'GET', path: '/healthz' });

    expect(response.status).to.equal(200);
    expect(requests).to.have.length(2);
  });

  it('does not retry a POST whose connection was dropped, since it may have been applied', async () => {
    const { requests } = await start((_request, response) => response.socket?.destroy());

    const error = await expect(transport!.send({ method: 'POST', path: '/cart/items', body: {} })).to.reject(
      ServerUnreachableError,
    );

    expect(error.reason).to.equal('reset');
    expect(requests).to.have.length(1);
  });

  it('retries a POST that carries an idempotency key, with that same key, since the server applies it once', async () => {
    const { requests } = await start((_request, response, attempt) => {
      if (attempt === 1) {
        response.socket?.destroy();
        return;
      }
      json(response, 200, {});
    });

    const response = await transport!.send({ method: 'POST', path: '/cart/items', body: {}, headers: { 'idempotency-key': 'key-1' } });

    expect(response.status).to.equal(200);
    expect(requests.map((request) => request.headers['idempotency-key'])).to.equal(['key-1', 'key-1']);
  });

  it('waits out an earlier attempt still in flight, as long as the server asks, then gets the answer', async () => {
    const inFlight = { statusCode: 409, error: 'Conflict', code: 'IDEMPOTENCY_IN_FLIGHT', message: 'still processing' };
    const { requests } = await start((_request, response, attempt) => {
      if (attempt === 1) {
        response.writeHead(409, { 'content-type': 'application/json', 'retry-after': '0.05' }).end(JSON.stringify(inFlight));
        return;
      }
      json(response, 200, { replayed: true });
    });

    const response = await transport!.send({ method: 'POST', path: '/cart/items', body: {}, headers: { 'idempotency-key': 'key-1' } });

    expect(response.body).to.equal({ replayed: true });
    expect(requests).to.have.length(2);
  });

  it('treats a change still in flight after every retry as unreachable: its fate is unknown, not failed', async () => {
    await start((_request, response) =>
      json(response, 409, { statusCode: 409, error: 'Conflict', code: 'IDEMPOTENCY_IN_FLIGHT', message: 'still processing' }),
    );

    const error = await expect(
      transport!.send({ method: 'PUT', path: '/preferences/locale', body: { value: 'x' }, headers: { 'idempotency-key': 'key-1' } }),
    ).to.reject(ServerUnreachableError);

    expect(error.reason).to.equal('busy');
  });

  it('sends the same idempotency key on every retry of a change', async () => {
    const { requests } = await start((_request, response, attempt) => {
      if (attempt < 3) {
        response.socket?.destroy();
        return;
      }
      json(response, 200, {});
    });

    await transport!.send({ method: 'PUT', path: '/cart/items/MUG-BLUE', body: { quantity: 1 }, headers: { 'idempotency-key': 'key-1' } });

    expect(requests.map((request) => request.headers['idempotency-key'])).to.equal(['key-1', 'key-1', 'key-1']);
  });

  it('treats 502, 503 and 504 as unreachable, with the server message, after retrying', async () => {
    const { requests } = await start((_request, response) =>
      json(response, 503, { statusCode: 503, error: 'Service Unavailable', code: 'SERVICE_UNAVAILABLE', message: 'database down' }),
    );

    const error = await expect(transport!.send({ method: 'GET', path: '/cart' })).to.reject(ServerUnreachableError);

    expect(error.reason).to.equal('unavailable');
    expect(error.message).to.contain('HTTP 503: database down');
    expect(requests).to.have.length(3);
  });

  it('gives up on a server that does not answer in time', async () => {
    await start(() => undefined, { responseTimeoutMs: 50 });

    const error = await expect(transport!.send({ method: 'POST', path: '/auth/login', body: {} })).to.reject(
      ServerUnreachableError,
    );

    expect(error.reason).to.equal('timeout');
  });

  it('says plainly when the answer is not from a shop server', async () => {
    await start((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nginx</h1>'));

    const error = await expect(transport!.send({ method: 'GET', path: '/products' })).to.reject(ApiError);

    expect(error.message).to.contain('is not JSON; is this a shop server?');
  });

  it('makes shop exit 4 and say to log in when the server answers 403', async () => {
    const { url } = await start((_request, response) =>
      json(response, 403, { statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN', message: 'Not allowed' }),
    );
    const dir = await makeConfigDir();
    try {
      const run = await runShop(['cart'], { server: url, configDir: dir.path, env: { SHOP_TOKEN: 'token' } });

      expect(run.code).to.equal(4);
      expect(run.stderr).to.contain('Not allowed (FORBIDDEN)');
      expect(run.stderr).to.contain('shop login');
    } finally {
      await dir.remove();
    }
  });
});
