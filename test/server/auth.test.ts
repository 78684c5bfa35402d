import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import Jwt from '@hapi/jwt';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { Me, TokenPair } from '../../shared/wire.js';
import { hashRefreshToken } from '../../server/auth/refresh-tokens.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, login, registerAndLogin, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

for (const backend of backends) {
  describe(`auth routes on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
    });

    after(() => db.dispose());

    describe('POST /auth/register', () => {
      it('creates an account and answers 201 without any secret', async () => {
        const email = uniqueEmail();
        const res = await server.inject({ method: 'POST', url: '/auth/register', payload: { email, password: 'longenough1' } });
        expect(res.statusCode).to.equal(201);
        const body = res.result as Me;
        expect(body.email).to.equal(email);
        expect(body.id).to.match(/^[0-9a-f-]{36}$/);
        expect(new Date(body.createdAt).toISOString()).to.equal(body.createdAt);
        expect(res.payload).to.not.include('longenough1');
        expect(res.payload).to.not.include('scrypt');

        const stored = await db.store.users.findByEmail(email);
        expect(stored!.passwordHash.startsWith('scrypt$')).to.be.true();
      });

      it('stores the email lower-cased and refuses the same address in another case with 409', async () => {
        const email = uniqueEmail('Mixed');
        const first = await server.inject({ method: 'POST', url: '/auth/register', payload: { email: email.toUpperCase(), password: 'longenough1' } });
        expect(first.statusCode).to.equal(201);
        expect((first.result as Me).email).to.equal(email.toLowerCase());
        const second = await server.inject({ method: 'POST', url: '/auth/register', payload: { email, password: 'another-password' } });
        expect(second.statusCode).to.equal(409);
        expect((second.result as ErrorBody).code).to.equal('EMAIL_TAKEN');
      });

      it('rejects passwords shorter than 8 or longer than 256 characters', async () => {
        for (const password of ['short', 'x'.repeat(257)]) {
          const res = await server.inject({ method: 'POST', url: '/auth/register', payload: { email: uniqueEmail(), password } });
          expect(res.statusCode).to.equal(400);
          expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
        }
      });

      it('rejects an invalid email and unknown fields', async () => {
        const bad = await server.inject({ method: 'POST', url: '/auth/register', payload: { email: 'not-an-email', password: 'longenough1' } });
        expect((bad.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
        const extra = await server.inject({ method: 'POST', url: '/auth/register', payload: { email: uniqueEmail(), password: 'longenough1', admin: true } });
        expect(extra.statusCode).to.equal(400);
        expect((extra.result as ErrorBody).message).to.include('admin');
      });
    });

    describe('POST /auth/login', () => {
      it('returns a bearer token pair', async () => {
        const user = await registerAndLogin(server);
        expect(user.tokens.tokenType).to.equal('Bearer');
        expect(user.tokens.expiresIn).to.equal(900);
        expect(user.tokens.refreshToken).to.match(/^[A-Za-z0-9_-]{43}$/);
        const { decoded } = Jwt.token.decode(user.tokens.accessToken);
        expect(decoded.header as Record<string, unknown>).to.include({ alg: 'HS256', typ: 'at+jwt', kid: 'test-1' });
        expect(decoded.payload).to.include({ iss: 'shop', aud: 'shop-api', ver: 0 });
        expect(decoded.payload.exp - decoded.payload.iat).to.equal(900);
      });

      it('gives the same 401 for an unknown email and a wrong password', async () => {
        const user = await registerAndLogin(server);
        const wrong = await server.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: 'wrong-password' } });
        const unknown = await server.inject({ method: 'POST', url: '/auth/login', payload: { email: uniqueEmail(), password: 'wrong-password' } });
        expect(wrong.statusCode).to.equal(401);
        expect(unknown.statusCode).to.equal(401);
        expect(wrong.result).to.equal(unknown.result);
        expect((wrong.result as ErrorBody).code).to.equal('INVALID_CREDENTIALS');
      });

      it('accepts the email in any case', async () => {
        const user = await registerAndLogin(server);
        const tokens = await login(server, user.email.toUpperCase(), user.password);
        expect(tokens.accessToken).to.exist();
      });
    });

    describe('GET /me', () => {
      it('answers with the user of the token', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject(as(user, { method: 'GET', url: '/me' }));
        expect(res.statusCode).to.equal(200);
        expect((res.result as Me).email).to.equal(user.email);
      });

      it('answers 401 AUTH_REQUIRED without a token', async () => {
        const res = await server.inject({ method: 'GET', url: '/me' });
        expect(res.statusCode).to.equal(401);
        expect((res.result as ErrorBody).code).to.equal('AUTH_REQUIRED');
        expect(res.headers['www-authenticate']).to.equal('Bearer');
      });

      it('answers 401 TOKEN_INVALID for a token with one changed byte', async () => {
        const user = await registerAndLogin(server);
        const token = user.tokens.accessToken;
        const tampered = token.slice(0, 40) + (token[40] === 'A' ? 'B' : 'A') + token.slice(41);
        const res = await server.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${tampered}` } });
        expect(res.statusCode).to.equal(401);
        expect((res.result as ErrorBody).code).to.equal('TOKEN_INVALID');
      });

      it('ignores a token sent in the query string', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject({ method: 'GET', url: `/me?access_token=${user.tokens.accessToken}` });
        expect(res.statusCode).to.be.within(400, 401);
      });

      it('answers 401 TOKEN_REVOKED once the user is deleted', async () => {
        const user = await registerAndLogin(server);
        const record = await db.store.users.findByEmail(user.email);
        await db.store.users.delete(record!.id);
        const res = await server.inject(as(user, { method: 'GET', url: '/me' }));
        expect(res.statusCode).to.equal(401);
        expect((res.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
      });
    });

    describe('POST /auth/refresh', () => {
      it('rotates the pair and refuses the old refresh token, revoking its family', async () => {
        const user = await registerAndLogin(server);
        const first = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
        expect(first.statusCode).to.equal(200);
        const rotated = first.result as TokenPair;
        expect(rotated.refreshToken).to.not.equal(user.tokens.refreshToken);

        const replay = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
        expect(replay.statusCode).to.equal(401);
        expect((replay.result as ErrorBody).code).to.equal('REFRESH_TOKEN_REUSED');

        // The pair issued from the stolen token is dead too.
        const after = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: rotated.refreshToken } });
        expect(after.statusCode).to.equal(401);
        expect((after.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
      });

      it('lets exactly one of many concurrent refreshes with one token win', async () => {
        const user = await registerAndLogin(server);
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } }),
          ),
        );
        expect(results.filter((res) => res.statusCode === 200)).to.have.length(1);
        expect(results.filter((res) => res.statusCode === 401)).to.have.length(7);
      });

      it('revokes the new pair when the re-use arrives while it is still being issued, on another instance', async () => {
        const other = await buildServer({ store: await db.openAnother() });
        for (let round = 0; round < 10; round++) {
          const user = await registerAndLogin(server);
          const both = await Promise.all(
            [server, other].map((instance) => instance.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } })),
          );
          const winner = both.find((res) => res.statusCode === 200);
          expect(both.filter((res) => res.statusCode === 200)).to.have.length(1);
          const next = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: (winner!.result as TokenPair).refreshToken } });
          expect(next.statusCode).to.equal(401);
        }
      });

      it('leaves a refresh token issued before logout-all unspent when it refuses it', async () => {
        const user = await registerAndLogin(server);
        const fresh = await login(server, user.email, user.password);
        await server.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: `Bearer ${fresh.accessToken}` }, payload: { all: true } });

        const res = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
        expect((res.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
        // Refused, not consumed: presenting it again is not taken for a theft.
        const again = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
        expect((again.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
      });

      it('refuses an unknown refresh token with 401 REFRESH_TOKEN_INVALID', async () => {
        const res = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: 'nope' } });
        expect(res.statusCode).to.equal(401);
        expect((res.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
      });

      it('stores refresh tokens only as hashes', async () => {
        const user = await registerAndLogin(server);
        const consumed = await db.store.tokens.consume(user.tokens.refreshToken, new Date());
        expect(consumed.status).to.equal('invalid');
        const byHash = await db.store.tokens.consume(hashRefreshToken(user.tokens.refreshToken), new Date());
        expect(byHash.status).to.equal('consumed');
      });
    });

    describe('POST /auth/logout', () => {
      it('revokes the presented refresh token and answers 204', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject(as(user, { method: 'POST', url: '/auth/logout', payload: { refreshToken: user.tokens.refreshToken } }));
        expect(res.statusCode).to.equal(204);
        const refresh = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
        expect((refresh.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
        // The access token stays valid until it expires; only logout-all kills it early.
        const me = await server.inject(as(user, { method: 'GET', url: '/me' }));
        expect(me.statusCode).to.equal(200);
      });

      it('with all: true kills every access and refresh token of the user', async () => {
        const user = await registerAndLogin(server);
        const second = await login(server, user.email, user.password);
        const res = await server.inject(as(user, { method: 'POST', url: '/auth/logout', payload: { all: true } }));
        expect(res.statusCode).to.equal(204);

        const me = await server.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${second.accessToken}` } });
        expect(me.statusCode).to.equal(401);
        expect((me.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
        const refresh = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: second.refreshToken } });
        expect(refresh.statusCode).to.equal(401);

        const fresh = await login(server, user.email, user.password);
        const again = await server.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${fresh.accessToken}` } });
        expect(again.statusCode).to.equal(200);
      });

      it('accepts a logout with no body', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject(as(user, { method: 'POST', url: '/auth/logout' }));
        expect(res.statusCode).to.equal(204);
      });
    });
  });
}
