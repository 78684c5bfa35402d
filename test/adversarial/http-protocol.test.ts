/*
 * Hand-made HTTP against a listening server: stalled bodies, oversized headers, wrong methods, weak validators, bytes
 * that are not UTF-8, and what auth answers let caches keep. Each answer must be the right status in the standard error
 * shape, with a request id.
 */
import { connect } from 'node:net';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { createLogger } from '../../server/logger.js';
import { createServer } from '../../server/server.js';
import type { ErrorBody } from '../../shared/errors.js';
import type { TokenPair } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { testConfig } from '../helpers/config.js';
import { as, registerAndLogin, type TestUser, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/** A raw HTTP exchange: the status line, headers, and body of the first response, and when the socket ended. */
interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const internals = {
  /** Writes `request` as is and reads until the server closes the connection or a full response is in. */
  exchange(port: number, request: Buffer | string): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = Buffer.alloc(0);
      const finish = (): void => {
        const text = data.toString('latin1');
        const [head = '', ...rest] = text.split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const at = line.indexOf(':');
          headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
        }
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
      };
      socket.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        const text = data.toString('latin1');
        const length = /\r\ncontent-length: *(\d+)/i.exec(text);
        const bodyStart = text.indexOf('\r\n\r\n');
        if (length && bodyStart >= 0 && data.length - bodyStart - 4 >= Number(length[1])) {
          socket.destroy();
          finish();
        }
      });
      socket.on('close', finish);
      socket.on('error', reject);
      socket.write(request);
    });
  },

  errorBody(text: string): ErrorBody {
    return JSON.parse(text) as ErrorBody;
  },
};

describe('the listening server, attacked over raw sockets', () => {
  let db: OpenBackend;
  let server: Server;
  let port: number;
  const lines: string[] = [];

  before(async () => {
    db = await backends[0]!.open();
    server = await createServer({
      config: testConfig({ bodyTimeoutMs: 300 }),
      store: db.store,
      log: createLogger('info', { write: (line: string) => void lines.push(line) }),
    });
    await server.start();
    port = server.info.port as number;
  });

  after(async () => {
    await server.stop();
    await db.dispose();
  });

  it('answers a body that stalls before its Content-Length 408 REQUEST_TIMEOUT after the body timeout', async () => {
    const reply = await internals.exchange(
      port,
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email"',
    );
    expect(reply.status).to.equal(408);
    expect(internals.errorBody(reply.body).code).to.equal('REQUEST_TIMEOUT');
    expect(reply.headers['x-request-id']).to.exist();
    expect(reply.headers.connection).to.equal('close');
  });

  it('logs a request whose client went away before the answer as aborted, not as 200', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const records = lines.map((line) => JSON.parse(line) as { msg?: string; res?: { statusCode?: number }; req?: { path?: string } });
    const aborted = records.filter((record) => record.req?.path === '/auth/login' && record.msg === 'request aborted');
    expect(aborted.length).to.be.at.least(1);
    expect(records.some((record) => record.req?.path === '/auth/login' && record.msg === 'request completed' && record.res?.statusCode === 200)).to.be.false();
  });

  it('answers headers over the size limit 431 HEADERS_TOO_LARGE in the standard shape with a request id', async () => {
    const reply = await internals.exchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(reply.status).to.equal(431);
    expect(internals.errorBody(reply.body)).to.include({ statusCode: 431, code: 'HEADERS_TOO_LARGE' });
    expect(reply.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });

  it('answers a request the parser cannot read 400 in the standard shape with a request id', async () => {
    const reply = await internals.exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(reply.status).to.equal(400);
    expect(internals.errorBody(reply.body).code).to.equal('VALIDATION_FAILED');
    expect(reply.headers['x-request-id']).to.exist();
  });

  it('refuses a body that is not valid UTF-8 with 400 INVALID_JSON instead of replacing the bytes', async () => {
    const email = Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0x6b, 0xff, 0x61]), Buffer.from('@example.test","password":"correct horse battery"}')]);
    const head = `POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${email.length}\r\nConnection: close\r\n\r\n`;
    const reply = await internals.exchange(port, Buffer.concat([Buffer.from(head), email]));
    expect(reply.status).to.equal(400);
    expect(internals.errorBody(reply.body).code).to.equal('INVALID_JSON');
    const users = await db.store.users.findByEmail('k\ufffda@example.test');
    expect(users).to.be.null();
  });
});

describe('answers about methods, validators and caching', () => {
  let db: OpenBackend;
  let server: Server;
  let user: TestUser;

  before(async () => {
    db = await backends[0]!.open();
    server = await createServer({ config: testConfig(), store: db.store });
    user = await registerAndLogin(server);
  });

  after(() => db.dispose());

  it('answers a method a path does not take 405 METHOD_NOT_ALLOWED with Allow naming the ones it does', async () => {
    const res = await server.inject({ method: 'PATCH', url: '/cart' });
    expect(res.statusCode).to.equal(405);
    expect((res.result as ErrorBody).code).to.equal('METHOD_NOT_ALLOWED');
    expect(res.headers.allow).to.equal('DELETE, GET, HEAD');
    const item = await server.inject({ method: 'GET', url: '/cart/items/MUG-BLUE' });
    expect(item.statusCode).to.equal(405);
    expect(item.headers.allow).to.equal('DELETE, PUT');
  });

  it('still answers a path no route has 404 ROUTE_NOT_FOUND', async () => {
    const res = await server.inject({ method: 'PATCH', url: '/nothing-here' });
    expect(res.statusCode).to.equal(404);
    expect(res.headers.allow).to.not.exist();
  });

  it('refuses a weak ETag in If-Match with 412 PRECONDITION_FAILED, as strong comparison requires', async () => {
    const cart = await server.inject(as(user, { method: 'GET', url: '/cart' }));
    const etag = cart.headers.etag as string;
    const weak = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-BLUE', quantity: 1 }, headers: { 'if-match': `W/${etag}` } }));
    expect(weak.statusCode).to.equal(412);
    expect((weak.result as ErrorBody).code).to.equal('PRECONDITION_FAILED');
    const strong = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-BLUE', quantity: 1 }, headers: { 'if-match': etag } }));
    expect(strong.statusCode).to.equal(200);
  });

  it('refuses an If-Match that is no ETag of this API with 400 instead of ignoring it', async () => {
    const res = await server.inject(as(user, { method: 'DELETE', url: '/cart', headers: { 'if-match': 'garbage' } }));
    expect(res.statusCode).to.equal(400);
  });

  it('marks registration, login and refresh answers Cache-Control: no-store', async () => {
    const email = uniqueEmail('cache');
    const password = 'correct horse battery staple';
    const registered = await server.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
    const login = await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
    const refresh = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: (login.result as TokenPair).refreshToken } });
    const failed = await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'not the password' } });
    for (const res of [registered, login, refresh, failed]) {
      expect(res.headers['cache-control']).to.equal('no-store');
    }
    expect(login.statusCode).to.equal(200);
    expect(refresh.statusCode).to.equal(200);
  });
});
