/*
 * Forged, tampered and stale tokens, driven through HTTP against the real routes on both databases. Every one must be
 * answered 401 in the standard error shape on every route it is tried on, and leave the database exactly as it was.
 */
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import type { Server, ServerInjectOptions } from '@hapi/hapi';
import Jwt from '@hapi/jwt';
import * as Lab from '@hapi/lab';

import type { AsymmetricKey } from '../../server/auth/jwt-keys.js';
import { type ErrorBody, isErrorBody } from '../../shared/errors.js';
import type { Me, TokenPair } from '../../shared/wire.js';
import { testConfig } from '../helpers/config.js';
import { buildServer, login, registerAndLogin, type TestUser } from '../helpers/server.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';
import { tally } from './helpers/figures.js';
import { ensureServerBuilt, runServerToExit } from './helpers/processes.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

type Header = Record<string, unknown>;
type Claims = Record<string, unknown>;

/** One attempt to get in: how the credential travels, and a name for the failure message. */
interface Forgery {
  name: string;
  /** Headers and query to send instead of a genuine `Authorization`. */
  headers?: Record<string, string>;
  query?: string;
}

const internals = {
  config: testConfig(),
  /** Every route that needs a user, with a body that would change something if the token were taken. */
  probes: [
    { method: 'GET', url: '/me' },
    { method: 'GET', url: '/cart' },
    { method: 'GET', url: '/preferences' },
    { method: 'GET', url: '/preferences/theme' },
    { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-BLUE', quantity: 3 } },
    { method: 'PUT', url: '/cart/items/MUG-WHITE', payload: { quantity: 7 } },
    { method: 'DELETE', url: '/cart/items/TEE-BLACK-M' },
    { method: 'DELETE', url: '/cart' },
    { method: 'PUT', url: '/preferences/theme', payload: { value: 'pwned' } },
    { method: 'DELETE', url: '/preferences/theme' },
    { method: 'POST', url: '/auth/logout', payload: { all: true } },
  ] as const satisfies readonly ServerInjectOptions[],

  b64(value: unknown): string {
    return Buffer.from(JSON.stringify(value)).toString('base64url');
  },

  secret(): Buffer {
    return internals.config.jwt.keys[0]!.secret;
  },

  /** A token signed with `key` (the server's own secret unless told otherwise). */
  sign(claims: Claims, header: Header = {}, key: Buffer | string = internals.secret(), algorithm: 'HS256' | 'HS384' | 'HS512' = 'HS256'): string {
    return Jwt.token.generate(claims, { key, algorithm }, { header: { typ: 'at+jwt', kid: 'test-1', ...header } });
  },

  /** A token with no signature at all, as `alg: none` promises. */
  unsigned(header: Header, claims: Claims, signature = ''): string {
    return `${internals.b64(header)}.${internals.b64(claims)}.${signature}`;
  },

  bearer(token: string): Forgery['headers'] {
    return { authorization: `Bearer ${token}` };
  },
};

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`forged and stale tokens on ${kind}`, () => {
    let db: InspectableDatabase;
    let server: Server;
    let victim: TestUser & { id: string };
    /** The server's clock, fixed so "now", "expired" and "not yet" are exact. */
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nowSeconds = now.getTime() / 1000;
    let tried = 0;
    let accepted = 0;
    let requests = 0;

    /** Claims a genuine token for the victim would carry. */
    const claims = (overrides: Claims = {}): Claims => ({
      sub: victim.id,
      ver: 0,
      iss: 'shop',
      aud: 'shop-api',
      iat: nowSeconds,
      exp: nowSeconds + 900,
      ...overrides,
    });

    /** Sends the forgery to every probe; returns the probes that did not answer 401 in the standard shape. */
    const attempt = async (forgery: Forgery, target: Server = server): Promise<string[]> => {
      tried++;
      const failures: string[] = [];
      for (const probe of internals.probes) {
        requests++;
        const res = await target.inject({
          ...probe,
          url: forgery.query === undefined ? probe.url : `${probe.url}?${forgery.query}`,
          headers: forgery.headers ?? {},
        });
        const body = res.result as ErrorBody;
        if (res.statusCode !== 401 || !isErrorBody(body) || body.statusCode !== 401 || res.payload.includes('    at ')) {
          failures.push(`${forgery.name}: ${probe.method} ${probe.url} answered ${res.statusCode} ${res.payload.slice(0, 200)}`);
        }
      }
      if (failures.length > 0) {
        accepted++;
      }
      return failures;
    };

    /** Tries every forgery and expects all of them refused, with no row of the database changed. */
    const expectAllRefused = async (forgeries: readonly Forgery[], target: Server = server): Promise<void> => {
      const before = await db.fingerprint();
      const failures: string[] = [];
      for (const forgery of forgeries) {
        failures.push(...(await attempt(forgery, target)));
      }
      expect(failures).to.equal([]);
      expect(await db.fingerprint()).to.equal(before);
    };

    const newUser = async (): Promise<TestUser & { id: string }> => {
      const user = await registerAndLogin(server);
      const me = await server.inject({ method: 'GET', url: '/me', headers: user.headers });
      return { ...user, id: (me.result as Me).id };
    };

    before(async () => {
      db = await openDatabase(kind);
      server = await buildServer({ store: db.store, now: () => now });
      victim = await newUser();
      // Something to steal or destroy: cart lines and preferences.
      for (const request of [
        { method: 'POST', url: '/cart/items', payload: { sku: 'TEE-BLACK-M', quantity: 2 } },
        { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-WHITE', quantity: 1 } },
        { method: 'PUT', url: '/preferences/theme', payload: { value: 'dark' } },
      ]) {
        const res = await server.inject({ ...request, headers: victim.headers });
        expect(res.statusCode).to.equal(200);
      }
    });

    after(async () => {
      tally('tokens', kind, { tried, accepted, 'requests sent': requests });
      await db.dispose();
    });

    it('accepts the genuine token it is compared against', async () => {
      // The control: if this failed, every refusal below would prove nothing.
      const genuine = internals.sign(claims());
      for (const url of ['/me', '/cart', '/preferences']) {
        expect((await server.inject({ method: 'GET', url, headers: internals.bearer(genuine) })).statusCode).to.equal(200);
      }
    });

    it('refuses alg none in every spelling, with or without a signature', async () => {
      const genuineSignature = internals.sign(claims()).split('.')[2]!;
      const forgeries = ['none', 'None', 'nOnE', 'NONE', ''].flatMap((alg) => [
        { name: `alg "${alg}" unsigned`, headers: internals.bearer(internals.unsigned({ alg, typ: 'at+jwt', kid: 'test-1' }, claims())) },
        {
          name: `alg "${alg}" with a genuine signature`,
          headers: internals.bearer(internals.unsigned({ alg, typ: 'at+jwt', kid: 'test-1' }, claims(), genuineSignature)),
        },
      ]);
      forgeries.push({ name: 'no alg at all', headers: internals.bearer(internals.unsigned({ typ: 'at+jwt', kid: 'test-1' }, claims())) });
      await expectAllRefused(forgeries);
    });

    it('refuses other algorithms, even HS384 and HS512 keyed with the real secret', async () => {
      const forgeries: Forgery[] = (['HS384', 'HS512'] as const).map((algorithm) => ({
        name: algorithm,
        headers: internals.bearer(internals.sign(claims(), { alg: algorithm }, internals.secret(), algorithm)),
      }));
      // An RS256 header over an HMAC signature: the confusion runs the other way too.
      const [, payload, signature] = internals.sign(claims()).split('.');
      for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA', 'hs256']) {
        forgeries.push({ name: `alg ${alg} over an HS256 signature`, headers: internals.bearer(`${internals.b64({ alg, typ: 'at+jwt', kid: 'test-1' })}.${payload}.${signature}`) });
      }
      await expectAllRefused(forgeries);
    });

    it('refuses a token whose signature is stripped, truncated, or borrowed from another token', async () => {
      const genuine = internals.sign(claims());
      const [header, payload, signature] = genuine.split('.') as [string, string, string];
      const other = internals.sign(claims({ sub: '00000000-0000-4000-8000-000000000000' }));
      const forgeries: Forgery[] = [
        { name: 'signature stripped, dot kept', headers: internals.bearer(`${header}.${payload}.`) },
        { name: 'signature stripped, dot too', headers: internals.bearer(`${header}.${payload}`) },
        { name: 'signature truncated', headers: internals.bearer(`${header}.${payload}.${signature.slice(0, -2)}`) },
        { name: 'signature doubled', headers: internals.bearer(`${header}.${payload}.${signature}${signature}`) },
        { name: 'another payload under this signature', headers: internals.bearer(`${header}.${other.split('.')[1]}.${signature}`) },
        { name: 'four segments', headers: internals.bearer(`${genuine}.${signature}`) },
        { name: 'signed with another secret', headers: internals.bearer(internals.sign(claims(), {}, 'another-secret-that-is-also-long-enough!!')) },
        { name: 'signed with an empty secret', headers: internals.bearer(internals.sign(claims(), {}, Buffer.alloc(0))) },
      ];
      await expectAllRefused(forgeries);
    });

    it('refuses a token with any single byte of its payload or header changed', async () => {
      const genuine = internals.sign(claims());
      const [header, payload, signature] = genuine.split('.') as [string, string, string];
      const forgeries: Forgery[] = [];
      const payloadBytes = Buffer.from(payload, 'base64url');
      for (let i = 0; i < payloadBytes.length; i++) {
        const changed = Buffer.from(payloadBytes);
        changed[i] = changed[i]! ^ 0x01;
        forgeries.push({ name: `payload byte ${i} changed`, headers: internals.bearer(`${header}.${changed.toString('base64url')}.${signature}`) });
      }
      const headerBytes = Buffer.from(header, 'base64url');
      for (let i = 0; i < headerBytes.length; i++) {
        const changed = Buffer.from(headerBytes);
        changed[i] = changed[i]! ^ 0x01;
        forgeries.push({ name: `header byte ${i} changed`, headers: internals.bearer(`${changed.toString('base64url')}.${payload}.${signature}`) });
      }
      expect(forgeries.length).to.be.above(100);
      await expectAllRefused(forgeries);
    });

    it('refuses genuinely signed tokens that fail a time claim: expired, not yet valid, issued in the future', async () => {
      const forgeries: Forgery[] = [
        { name: 'expired a second ago', headers: internals.bearer(internals.sign(claims({ iat: nowSeconds - 901, exp: nowSeconds - 1 }))) },
        { name: 'expires this very second', headers: internals.bearer(internals.sign(claims({ iat: nowSeconds - 900, exp: nowSeconds }))) },
        { name: 'expired long ago', headers: internals.bearer(internals.sign(claims({ iat: 0, exp: 1 }))) },
        { name: 'nbf in an hour', headers: internals.bearer(internals.sign(claims({ nbf: nowSeconds + 3600 }))) },
        { name: 'nbf just past the allowed skew', headers: internals.bearer(internals.sign(claims({ nbf: nowSeconds + 31 }))) },
        { name: 'nbf as a string', headers: internals.bearer(internals.sign(claims({ nbf: String(nowSeconds) }))) },
        { name: 'iat an hour ahead', headers: internals.bearer(internals.sign(claims({ iat: nowSeconds + 3600, exp: nowSeconds + 4500 }))) },
        { name: 'exp as a string', headers: internals.bearer(internals.sign(claims({ exp: String(nowSeconds + 900) }))) },
        { name: 'exp missing', headers: internals.bearer(internals.sign(claims({ exp: undefined }))) },
        { name: 'exp fractional', headers: internals.bearer(internals.sign(claims({ exp: nowSeconds + 900.5 }))) },
      ];
      await expectAllRefused(forgeries);
    });

    it('refuses its own genuine token once the clock has passed its expiry', async () => {
      // The same token the victim holds, presented to an instance whose clock is past `exp`.
      const later = await buildServer({ store: db.store, now: () => new Date(now.getTime() + 901_000) });
      const res = await later.inject({ method: 'GET', url: '/cart', headers: victim.headers });
      expect((res.result as ErrorBody).code).to.equal('TOKEN_EXPIRED');
      await expectAllRefused([{ name: 'genuine token after exp', headers: victim.headers }], later);
    });

    it('refuses genuinely signed tokens with the wrong issuer, audience or type', async () => {
      const forgeries: Forgery[] = [
        { name: 'iss of another service', headers: internals.bearer(internals.sign(claims({ iss: 'shop-staging' }))) },
        { name: 'iss missing', headers: internals.bearer(internals.sign(claims({ iss: undefined }))) },
        { name: 'iss as an array', headers: internals.bearer(internals.sign(claims({ iss: ['shop'] }))) },
        { name: 'aud of another API', headers: internals.bearer(internals.sign(claims({ aud: 'billing-api' }))) },
        { name: 'aud missing', headers: internals.bearer(internals.sign(claims({ aud: undefined }))) },
        { name: 'aud array without this API', headers: internals.bearer(internals.sign(claims({ aud: ['billing-api', 'shop'] }))) },
        { name: 'aud as an object', headers: internals.bearer(internals.sign(claims({ aud: { 0: 'shop-api' } }))) },
        ...['JWT', 'rt+jwt', 'at+jwt ', 'AT+JWT', 'application/at+jwt', ''].map((typ) => ({
          name: `typ "${typ}"`,
          headers: internals.bearer(internals.sign(claims(), { typ })),
        })),
        { name: 'typ missing', headers: internals.bearer(internals.sign(claims(), { typ: undefined })) },
      ];
      await expectAllRefused(forgeries);
    });

    it('refuses genuinely signed tokens whose subject or version is not the user as they are now', async () => {
      const forgeries: Forgery[] = [
        ...["' OR '1'='1", "'; DELETE FROM users; --", '%', '*', victim.id.toUpperCase(), `${victim.id} `, '00000000-0000-4000-8000-000000000000'].map(
          (sub) => ({ name: `sub ${JSON.stringify(sub)}`, headers: internals.bearer(internals.sign(claims({ sub }))) }),
        ),
        { name: 'sub empty', headers: internals.bearer(internals.sign(claims({ sub: '' }))) },
        { name: 'sub as a number', headers: internals.bearer(internals.sign(claims({ sub: 1 }))) },
        { name: 'sub as an array', headers: internals.bearer(internals.sign(claims({ sub: [victim.id] }))) },
        { name: 'sub missing', headers: internals.bearer(internals.sign(claims({ sub: undefined }))) },
        ...[1, -1, 0.5, '0', null, 2 ** 53].map((ver) => ({ name: `ver ${JSON.stringify(ver)}`, headers: internals.bearer(internals.sign(claims({ ver }))) })),
        { name: 'ver missing', headers: internals.bearer(internals.sign(claims({ ver: undefined }))) },
      ];
      await expectAllRefused(forgeries);
    });

    it('refuses unknown key ids, including ones made of path and SQL characters', async () => {
      const kids: unknown[] = [
        'test-2',
        'TEST-1',
        'test-1 ',
        ' test-1',
        'test-1\u0000',
        '',
        '../../../../../etc/passwd',
        '/dev/null',
        'file:///etc/passwd',
        '..\\..\\windows\\win.ini',
        'test-1/../test-1',
        "' OR '1'='1",
        "test-1' --",
        'test-1"; DROP TABLE users; --',
        '%00',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        1,
        null,
        true,
        ['test-1'],
        { $ne: null },
      ];
      const forgeries: Forgery[] = kids.map((kid) => ({ name: `kid ${JSON.stringify(kid)}`, headers: internals.bearer(internals.sign(claims(), { kid })) }));
      forgeries.push({ name: 'kid missing', headers: internals.bearer(internals.sign(claims(), { kid: undefined })) });
      await expectAllRefused(forgeries);
    });

    it('refuses malformed Authorization headers around a genuine token', async () => {
      const genuine = internals.sign(claims());
      const headers = [
        `Basic ${genuine}`,
        `Token ${genuine}`,
        genuine,
        `Bearer`,
        `Bearer `,
        `Bearer ${genuine} ${genuine}`,
        `Bearer ${genuine},${genuine}`,
        `Bearer\t${genuine}`,
        `Bearer "${genuine}"`,
        `Bearer ${genuine};`,
        `Bearer ${Buffer.from(genuine).toString('base64')}`,
        `Bearer ${genuine.replaceAll('.', '%2E')}`,
      ];
      await expectAllRefused(headers.map((authorization, i) => ({ name: `Authorization #${i}: ${authorization.slice(0, 20)}`, headers: { authorization } })));
    });

    it('refuses a refresh token presented as an access token', async () => {
      const pair = await login(server, victim.email, victim.password);
      await expectAllRefused([
        { name: 'refresh token as bearer', headers: internals.bearer(pair.refreshToken) },
        { name: 'refresh token in a JWT-shaped wrapper', headers: internals.bearer(`${pair.refreshToken}.${pair.refreshToken}.${pair.refreshToken}`) },
      ]);
    });

    it('refuses an access token presented as a refresh token, and spends nothing', async () => {
      const pair = await login(server, victim.email, victim.password);
      const before = await db.fingerprint();
      for (const refreshToken of [pair.accessToken, victim.tokens.accessToken, `${pair.accessToken}.`, pair.accessToken.split('.')[1]!]) {
        tried++;
        requests++;
        const res = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } });
        if (res.statusCode !== 401) {
          accepted++;
        }
        expect(res.statusCode).to.equal(401);
        expect((res.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
      }
      expect(await db.fingerprint()).to.equal(before);
      // The pair is untouched: its refresh token still works.
      expect((await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: pair.refreshToken } })).statusCode).to.equal(200);
    });

    it('refuses every token of a user who was deleted', async () => {
      const doomed = await newUser();
      const refreshed = (await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: doomed.tokens.refreshToken } })).result as TokenPair;
      expect(await db.store.users.delete(doomed.id)).to.be.true();
      await expectAllRefused([
        { name: 'deleted user, first token', headers: doomed.headers },
        { name: 'deleted user, refreshed token', headers: internals.bearer(refreshed.accessToken) },
      ]);
      tried++;
      requests++;
      const res = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: refreshed.refreshToken } });
      accepted += res.statusCode === 401 ? 0 : 1;
      expect(res.statusCode).to.equal(401);
      // Nothing was recreated for the user who is gone.
      expect((await db.rows('carts')).filter((row) => row.user_id === doomed.id)).to.equal([]);
    });

    it('refuses every access and refresh token issued before logout-all, on every session', async () => {
      const user = await newUser();
      const second = await login(server, user.email, user.password);
      const logout = await server.inject({ method: 'POST', url: '/auth/logout', headers: internals.bearer(second.accessToken), payload: { all: true } });
      expect(logout.statusCode).to.equal(204);
      await expectAllRefused([
        { name: 'first session after logout-all', headers: user.headers },
        { name: 'second session after logout-all', headers: internals.bearer(second.accessToken) },
      ]);
      for (const refreshToken of [user.tokens.refreshToken, second.refreshToken]) {
        tried++;
        requests++;
        const res = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } });
        accepted += res.statusCode === 401 ? 0 : 1;
        expect(res.statusCode).to.equal(401);
        expect((res.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
      }
      // A new login works: logout-all is not a lockout.
      const fresh = await login(server, user.email, user.password);
      expect((await server.inject({ method: 'GET', url: '/cart', headers: internals.bearer(fresh.accessToken) })).statusCode).to.equal(200);
    });

    it('changes nothing in the database when it refuses a refresh token issued before logout-all', async () => {
      const user = await newUser();
      expect((await server.inject({ method: 'POST', url: '/auth/logout', headers: user.headers, payload: { all: true } })).statusCode).to.equal(204);
      const before = await db.fingerprint();
      const res = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
      expect(res.statusCode).to.equal(401);
      // A refused request must not spend the token (refresh() marks it used before it checks the token version).
      const tokens = (await db.rows('refresh_tokens')).filter((row) => row.user_id === user.id);
      expect(tokens.map((row) => row.used_at)).to.equal([null]);
      expect(await db.fingerprint()).to.equal(before);
    });

    it('refuses an old refresh token after rotation, and its re-use revokes that whole family and no other', async () => {
      const user = await newUser();
      const otherLogin = await login(server, user.email, user.password);
      const rotated = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
      expect(rotated.statusCode).to.equal(200);
      const next = rotated.result as TokenPair;

      tried++;
      requests++;
      const reuse = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: user.tokens.refreshToken } });
      accepted += reuse.statusCode === 401 ? 0 : 1;
      expect(reuse.statusCode).to.equal(401);
      expect((reuse.result as ErrorBody).code).to.equal('REFRESH_TOKEN_REUSED');

      // The thief's copy and the owner's newer token are both dead now.
      tried++;
      requests++;
      const newer = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: next.refreshToken } });
      accepted += newer.statusCode === 401 ? 0 : 1;
      expect(newer.statusCode).to.equal(401);

      const family = (await db.rows('refresh_tokens')).filter((row) => row.user_id === user.id);
      expect(family.length).to.equal(3);
      const live = family.filter((row) => row.used_at === null && row.revoked_at === null);
      // Only the other login's token is still live, and it still works.
      expect(live.length).to.equal(1);
      expect((await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: otherLogin.refreshToken } })).statusCode).to.equal(200);
    });

    it('refuses a genuine token sent in the query string or a cookie instead of the header', async () => {
      const genuine = victim.tokens.accessToken;
      const forgeries: Forgery[] = [
        ...['access_token', 'token', 'jwt', 'bearer', 'auth', 'authorization'].map((name) => ({
          name: `?${name}=`,
          query: `${name}=${encodeURIComponent(genuine)}`,
        })),
        { name: '?authorization=Bearer …', query: `authorization=${encodeURIComponent(`Bearer ${genuine}`)}` },
        { name: 'cookie token', headers: { cookie: `token=${genuine}; access_token=${genuine}` } },
        { name: 'X-Access-Token header', headers: { 'x-access-token': genuine, 'x-auth-token': genuine } },
        { name: 'Proxy-Authorization header', headers: { 'proxy-authorization': `Bearer ${genuine}` } },
      ];
      await expectAllRefused(forgeries);
    });
  });
}

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`forged tokens against an RS256 server on ${kind}`, () => {
    let db: InspectableDatabase;
    let server: Server;
    let userId: string;
    let genuine: string;
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nowSeconds = now.getTime() / 1000;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key: AsymmetricKey = {
      kid: 'rs-1',
      privateKey: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicKey: rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
    const config = testConfig<AsymmetricKey>({ jwt: { algorithm: 'RS256', keys: [key] } });
    let tried = 0;
    let accepted = 0;

    const claims = (): Claims => ({ sub: userId, ver: 0, iss: 'shop', aud: 'shop-api', iat: nowSeconds, exp: nowSeconds + 900 });

    before(async () => {
      db = await openDatabase(kind);
      server = await buildServer({ store: db.store, config, now: () => now });
      const user = await registerAndLogin(server);
      genuine = user.tokens.accessToken;
      userId = ((await server.inject({ method: 'GET', url: '/me', headers: user.headers })).result as Me).id;
    });

    after(async () => {
      tally('tokens', `${kind}, RS256`, { tried, accepted });
      await db.dispose();
    });

    it('accepts its own RS256 token and publishes only the public key', async () => {
      expect(Jwt.token.decode(genuine).decoded.header).to.include({ alg: 'RS256', kid: 'rs-1' });
      expect((await server.inject({ method: 'GET', url: '/cart', headers: internals.bearer(genuine) })).statusCode).to.equal(200);
      const jwks = (await server.inject('/.well-known/jwks.json')).result as { keys: Array<Record<string, unknown>> };
      expect(jwks.keys.map((jwk) => jwk.kid)).to.equal(['rs-1']);
      expect(jwks.keys[0]).to.not.include(['d', 'p', 'q', 'dp', 'dq', 'qi']);
    });

    it('refuses HS256 tokens keyed with its RSA public key in every form an attacker can get it in', async () => {
      const jwks = (await server.inject('/.well-known/jwks.json')).result as { keys: Array<Record<string, unknown>> };
      const published = createPublicKey({ key: jwks.keys[0] as JsonWebKey, format: 'jwk' });
      const forms: Array<[string, string | Buffer]> = [
        ['the SPKI PEM', key.publicKey],
        ['the SPKI PEM without its last newline', key.publicKey.trimEnd()],
        ['the SPKI PEM with CRLF line ends', key.publicKey.replaceAll('\n', '\r\n')],
        ['the PKCS#1 PEM', rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }).toString()],
        ['the SPKI DER', rsa.publicKey.export({ format: 'der', type: 'spki' })],
        ['the PEM rebuilt from the published JWKS', published.export({ format: 'pem', type: 'spki' }).toString()],
        ['the published JWK as JSON', JSON.stringify(jwks.keys[0])],
        ['the modulus', Buffer.from(String(jwks.keys[0]!.n), 'base64url')],
      ];
      const before = await db.fingerprint();
      const gotThrough: string[] = [];
      for (const [form, material] of forms) {
        for (const [alg, header] of [
          ['HS256', { kid: 'rs-1' }],
          ['HS256', { kid: undefined }],
          ['HS384', { kid: 'rs-1' }],
          ['HS512', { kid: 'rs-1' }],
        ] as const) {
          tried++;
          const failuresBefore = gotThrough.length;
          const token = internals.sign(claims(), { ...header, alg }, material, alg);
          for (const probe of internals.probes) {
            const res = await server.inject({ ...probe, headers: internals.bearer(token) });
            if (res.statusCode !== 401 || (res.result as ErrorBody).code !== 'TOKEN_INVALID') {
              gotThrough.push(`${alg} keyed with ${form}: ${probe.method} ${probe.url} answered ${res.statusCode}`);
            }
          }
          accepted += gotThrough.length > failuresBefore ? 1 : 0;
        }
      }
      expect(gotThrough).to.equal([]);
      expect(await db.fingerprint()).to.equal(before);
    });

    it('refuses alg none, another RSA key under its kid, an EC key, and the HS256 secret of the test configuration', async () => {
      const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const [header, payload, signature] = genuine.split('.') as [string, string, string];
      const tokens: Array<[string, string]> = [
        ['alg none', internals.unsigned({ alg: 'none', typ: 'at+jwt', kid: 'rs-1' }, claims())],
        ['alg none with the genuine signature', internals.unsigned({ alg: 'none', typ: 'at+jwt', kid: 'rs-1' }, claims(), signature)],
        ['RS256 signed by another key', Jwt.token.generate(claims(), { key: impostor, algorithm: 'RS256' }, { header: { typ: 'at+jwt', kid: 'rs-1' } })],
        ['ES256 signed by an EC key', Jwt.token.generate(claims(), { key: ec, algorithm: 'ES256' }, { header: { typ: 'at+jwt', kid: 'rs-1' } })],
        ['PS256 over the genuine signature', `${internals.b64({ alg: 'PS256', typ: 'at+jwt', kid: 'rs-1' })}.${payload}.${signature}`],
        ['HS256 with the old shared secret', internals.sign(claims(), { kid: 'test-1' })],
        ['the genuine signature over another payload', `${header}.${internals.b64({ ...claims(), sub: '00000000-0000-4000-8000-000000000000' })}.${signature}`],
      ];
      const before = await db.fingerprint();
      const gotThrough: string[] = [];
      for (const [name, token] of tokens) {
        tried++;
        const failuresBefore = gotThrough.length;
        for (const probe of internals.probes) {
          const res = await server.inject({ ...probe, headers: internals.bearer(token) });
          if (res.statusCode !== 401) {
            gotThrough.push(`${name}: ${probe.method} ${probe.url} answered ${res.statusCode}`);
          }
        }
        accepted += gotThrough.length > failuresBefore ? 1 : 0;
      }
      expect(gotThrough).to.equal([]);
      expect(await db.fingerprint()).to.equal(before);
    });
  });
}

describe('the server in production', () => {
  const short = 'x'.repeat(31);
  const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const cases: Array<[string, string | undefined, Record<string, string>?]> = [
    ['no SHOP_JWT_KEYS at all', undefined],
    ['an empty SHOP_JWT_KEYS', ''],
    ['a SHOP_JWT_KEYS of blanks', '   '],
    ['a secret without a key id', 'a-secret-long-enough-to-pass-the-length-check-easily'],
    ['an empty secret', 'k1:'],
    ['a short secret', 'k1:short'],
    ['a secret one byte short', `k1:${short}`],
    ['a short base64 secret', `k1:base64:${Buffer.from(short).toString('base64')}`],
    ['a good key followed by a short one', `k1:${'y'.repeat(48)},k2:${short}`],
    ['no key at all under RS256', undefined, { SHOP_JWT_ALG: 'RS256' }],
    ['an HMAC secret under RS256', `k1:${'y'.repeat(48)}`, { SHOP_JWT_ALG: 'RS256' }],
    ['a 1024-bit RSA key under RS256', `k1:base64:${Buffer.from(weakRsa).toString('base64')}`, { SHOP_JWT_ALG: 'RS256' }],
  ];
  let dataDir: string;
  /** The attempts start in `before`, two at a time: each is a process start-up, and none needs to wait for the tests. */
  const runs = new Map<string, ReturnType<typeof runServerToExit>>();

  before(async () => {
    await ensureServerBuilt();
    dataDir = await mkdtemp(join(tmpdir(), 'shop-adversarial-start-'));
    const lanes = [Promise.resolve(), Promise.resolve()];
    cases.forEach(([name, keys, extra], index) => {
      const env: Record<string, string> = { NODE_ENV: 'production', PORT: '0', DATABASE_URL: ':memory:', SHOP_DATA_DIR: dataDir, ...extra };
      if (keys !== undefined) {
        env.SHOP_JWT_KEYS = keys;
      }
      const lane = index % lanes.length;
      const run = lanes[lane]!.then(() => runServerToExit(env));
      lanes[lane] = run.then(() => undefined, () => undefined);
      runs.set(name, run);
    });
  });

  after(async () => {
    await Promise.allSettled(runs.values());
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const [name, keys] of cases) {
    it(`refuses to start with ${name}, in one line and without a stack trace`, async () => {
      const run = await runs.get(name)!;
      // Exited by itself, with an error status: it never got as far as listening.
      expect(run.signal).to.be.null();
      expect(run.code).to.not.equal(0);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines.length, run.stderr).to.equal(1);
      expect(lines[0]).to.include('SHOP_JWT_KEYS');
      expect(run.stderr).to.not.match(/^\s+at /m);
      expect(run.stdout).to.equal('');
      // Nothing secret is echoed back.
      if (keys !== undefined && keys.trim().length > 4) {
        expect(run.stderr).to.not.include(keys.split(':').at(-1)!);
      }
    });
  }
});
