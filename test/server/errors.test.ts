import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody, ErrorCode } from '../../shared/errors.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const sqliteOnly = backends.filter((backend) => backend.name === 'sqlite');

for (const backend of sqliteOnly) {
  describe('error responses', () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;

    const expectError = (res: { statusCode: number; result: unknown; payload: string }, status: number, code: ErrorCode) => {
      expect(res.statusCode).to.equal(status);
      const body = res.result as ErrorBody;
      expect(Object.keys(body).sort()).to.equal(['code', 'error', 'message', 'statusCode']);
      expect(body).to.include({ statusCode: status, code });
      expect(body.message.length).to.be.above(0);
      expect(res.payload).to.not.include('    at ');
    };

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
      user = await registerAndLogin(server);
    });

    after(() => db.dispose());

    it('answers malformed JSON with 400 INVALID_JSON', async () => {
      const res = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: '{"sku": ', headers: { 'content-type': 'application/json' } }));
      expectError(res, 400, 'INVALID_JSON');
    });

    it('answers a payload over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await server.inject({ method: 'POST', url: '/auth/register', payload: { email: 'a@b.test', password: 'x'.repeat(20_000) } });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers a non-JSON content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await server.inject({ method: 'POST', url: '/auth/login', payload: 'email=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers unknown routes with 404 ROUTE_NOT_FOUND', async () => {
      expectError(await server.inject({ method: 'GET', url: '/nope' }), 404, 'ROUTE_NOT_FOUND');
      expectError(await server.inject({ method: 'PATCH', url: '/nope' }), 404, 'ROUTE_NOT_FOUND');
    });

    it('answers a known path asked with a method it does not take with 405 METHOD_NOT_ALLOWED', async () => {
      expectError(await server.inject({ method: 'PATCH', url: '/cart' }), 405, 'METHOD_NOT_ALLOWED');
    });

    it('answers a wrong payload type with 400 VALIDATION_FAILED naming the field', async () => {
      const res = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 42, quantity: 1 } }));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect((res.result as ErrorBody).message).to.include('sku');
    });

    it('answers a bad Authorization header with 401 TOKEN_INVALID', async () => {
      const res = await server.inject({ method: 'GET', url: '/cart', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expectError(res, 401, 'TOKEN_INVALID');
    });

    it('answers a database failure with 500 INTERNAL and no details', async () => {
      const broken = await db.openAnother();
      const brokenServer = await buildServer({ store: broken });
      await broken.close();
      const res = await brokenServer.inject({ method: 'GET', url: '/products' });
      expect(res.statusCode).to.be.within(500, 503);
      const body = res.result as ErrorBody;
      expect(['INTERNAL', 'SERVICE_UNAVAILABLE']).to.include(body.code);
      expect(res.payload).to.not.include('sqlite');
      expect(res.payload).to.not.include('    at ');
    });
  });
}
