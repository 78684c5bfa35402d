/*
 * Seeded fuzzing of every route with hostile input. Whatever arrives, the server answers below 500, every error has the
 * standard shape, a rejected request leaves the database exactly as it was, and nothing reaches Object.prototype.
 * Most requests run on SQLite; a smaller share repeats the same groups on Postgres.
 */
import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import { issueAccessToken } from '../../server/auth/access-tokens.js';
import { errorStatus, isErrorCode } from '../../shared/errors.js';
import { MAX_PAYLOAD_BYTES } from '../../shared/limits.js';
import type { Me } from '../../shared/wire.js';
import { testConfig } from '../helpers/config.js';
import { buildServer, registerAndLogin } from '../helpers/server.js';
import {
  brokenBody,
  encodeSegment,
  hostileJson,
  hostileKey,
  hostileNumberText,
  hostileRecord,
  hostileString,
  KNOWN_SKUS,
  validRecord,
  wireSafe,
} from './helpers/arbitraries.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';
import { tally } from './helpers/figures.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/** A request before credentials are attached: `auth` says which, as the user's token may change along the way. */
interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  auth: 'user' | 'none' | 'garbage';
}

type Problem = '5xx' | 'shape' | 'state' | 'pollution' | 'unsendable';

const internals = {
  config: testConfig(),
  /** How many requests each group sends on SQLite; Postgres sends a quarter as many. */
  postgresShare: 0.25,
  baseSeed: 20_260_101,
  prototypeKeys: Object.getOwnPropertyNames(Object.prototype).length,

  /** The standard error shape, exactly: four keys, a known code that belongs to the status, a message, no stack. */
  shapeProblem(status: number, payload: string): string | undefined {
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return 'body is not JSON';
    }
    if (typeof body !== 'object' || body === null) {
      return 'body is not an object';
    }
    const record = body as Record<string, unknown>;
    const keys = Object.keys(record).sort().join(',');
    if (keys !== 'code,error,message,statusCode') {
      return `keys are ${keys}`;
    }
    if (record.statusCode !== status) {
      return `statusCode ${String(record.statusCode)} in a ${status} response`;
    }
    if (!isErrorCode(record.code)) {
      return `unknown code ${String(record.code)}`;
    }
    if (errorStatus[record.code] !== status) {
      return `code ${record.code} belongs to ${errorStatus[record.code]}, sent with ${status}`;
    }
    if (typeof record.error !== 'string' || typeof record.message !== 'string' || record.message.length === 0) {
      return 'error or message is not a non-empty string';
    }
    if (/\n\s+at |\bat .+:\d+:\d+/.test(record.message)) {
      return 'message carries a stack trace';
    }
    return undefined;
  },

  /** The body as the client reads it: fuzzed Accept-Encoding headers make hapi compress larger answers. */
  decodedBody(payload: Buffer, encoding: unknown): string {
    switch (encoding) {
      case 'gzip':
        return gunzipSync(payload).toString('utf8');
      case 'deflate':
        return inflateSync(payload).toString('utf8');
      case 'br':
        return brotliDecompressSync(payload).toString('utf8');
      default:
        return payload.toString('utf8');
    }
  },

  describe(request: FuzzRequest): string {
    const payload = request.payload === undefined ? '' : ` ${String(request.payload).slice(0, 120)}`;
    return `${request.method} ${request.url.slice(0, 120)}${payload}`;
  },
};

/** Arbitraries for each route group. */
const arbitraries = (() => {
  const sku = fc.constantFrom(...KNOWN_SKUS).map((value) => JSON.stringify(value));
  const quantity = fc.integer({ min: -2, max: 101 }).map(String);
  const jsonContentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json, text/plain',
        'application/vnd.api+json',
        'application/merge-patch+json',
        'text/json',
        'text/plain',
        'text/html',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=----x',
        'multipart/form-data',
        'application/octet-stream',
        'application/xml',
        '*/*',
        '',
      ),
    },
    { weight: 1, arbitrary: hostileString.map((value) => wireSafe(value)) },
  );
  const auth = fc.constantFrom<FuzzRequest['auth']>('user', 'user', 'user', 'user', 'user', 'user', 'user', 'none', 'garbage');
  /** Headers any request may carry, mostly absent. */
  const extraHeaders = fc.record(
    {
      'idempotency-key': fc.oneof(fc.uuid(), fc.constantFrom('same-key-1', 'same-key-2'), hostileString.map(wireSafe)),
      'if-match': fc.oneof(fc.integer({ min: 0, max: 50 }).map((v) => `"${v}"`), fc.constantFrom('*', 'W/"1"', '"abc"', '"99999999999999999"'), hostileString.map(wireSafe)),
      'if-none-match': fc.oneof(fc.integer({ min: 0, max: 50 }).map((v) => `"${v}"`), hostileString.map(wireSafe)),
      'x-pad': fc.integer({ min: 1000, max: 100_000 }).map((length) => 'p'.repeat(length)),
      accept: fc.constantFrom('application/xml', '*/*', 'text/html;q=0.9', 'application/json;q=0', wireSafe('\u00ff\u00fe')),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'deflate;q=0, identity;q=0', 'x-unknown', '*;q=0'),
      'x-forwarded-for': hostileString.map(wireSafe),
    },
    { requiredKeys: [] },
  );
  /** A path segment: encoded hostile text, or hand-broken encodings hapi has to decode. */
  const segment = fc.oneof(
    { weight: 3, arbitrary: fc.oneof(fc.constantFrom(...KNOWN_SKUS), hostileString).map((value) => encodeSegment(value)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2F', '%2f..%2f', '..', '.', '%2e%2e', 'MUG-BLUE%00', 'MUG-BLUE/extra', '', '~', '%C0%AE', '%FF', '*', 'a'.repeat(10_000)),
    },
  );
  const prefKey = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('theme', 'currency', 'locale', 'a', 'z9._-', 'k'.repeat(64)) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/) },
  );
  const prefSegment = fc.oneof({ weight: 2, arbitrary: prefKey }, { weight: 1, arbitrary: segment });

  const withBody = (
    method: string,
    url: fc.Arbitrary<string>,
    valid: Record<string, fc.Arbitrary<string>>,
    authArb: fc.Arbitrary<FuzzRequest['auth']> = auth,
  ): fc.Arbitrary<FuzzRequest> =>
    fc
      .record({
        url,
        payload: fc.oneof(
          { weight: 2, arbitrary: validRecord(valid) },
          { weight: 6, arbitrary: hostileRecord(valid) },
          { weight: 1, arbitrary: hostileJson },
        ),
        contentType: jsonContentType,
        extra: extraHeaders,
        auth: authArb,
      })
      .map(({ url: path, payload, contentType, extra, auth: credentials }) => ({
        method,
        url: path,
        payload,
        headers: { ...extra, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
        auth: credentials,
      }));

  const withoutBody = (method: string, url: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> =>
    fc.record({ url, extra: extraHeaders, auth }).map(({ url: path, extra, auth: credentials }) => ({ method, url: path, headers: extra, auth: credentials }));

  const email = fc.oneof(
    fc.emailAddress().map((value) => JSON.stringify(value)),
    fc.constantFrom('"a@b.test"', '"A@B.TEST"', '" a@b.test "', '"a@b"', '"@b.test"', '"a@@b.test"', `"${'a'.repeat(250)}@b.test"`),
  );
  const password = fc.oneof(fc.string({ minLength: 8, maxLength: 40 }).map((value) => JSON.stringify(value)), fc.constant(JSON.stringify('correct horse battery staple')));
  const query = fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('q', 'limit', 'offset', 'q', 'limit'), hostileKey, fc.constantFrom('__proto__[admin]', 'limit[$gt]', 'q[]')),
        fc.oneof(hostileString, fc.integer({ min: -10, max: 2_000_000 }).map(String), hostileNumberText),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => pairs.map(([key, value]) => `${encodeSegment(key)}=${encodeSegment(value)}`).join('&'));

  return {
    auth: fc.oneof(
      withBody('POST', fc.constant('/auth/register'), { email, password }, fc.constant('none')),
      withBody('POST', fc.constant('/auth/login'), { email, password }, fc.constant('none')),
      withBody(
        'POST',
        fc.constant('/auth/refresh'),
        { refreshToken: fc.oneof(fc.base64String({ minLength: 43, maxLength: 44 }), hostileString).map((v) => JSON.stringify(v)) },
        fc.constant('none'),
      ),
      withBody('POST', fc.constant('/auth/logout'), { refreshToken: hostileString.map((v) => JSON.stringify(v)), all: fc.constantFrom('true', 'false') }),
    ),
    cart: fc.oneof(
      withoutBody('GET', fc.constant('/cart')),
      { weight: 3, arbitrary: withBody('POST', fc.constant('/cart/items'), { sku, quantity }) },
      { weight: 3, arbitrary: withBody('PUT', segment.map((s) => `/cart/items/${s}`), { quantity }) },
      { weight: 2, arbitrary: withoutBody('DELETE', segment.map((s) => `/cart/items/${s}`)) },
      withoutBody('DELETE', fc.constant('/cart')),
    ),
    preferences: fc.oneof(
      withoutBody('GET', fc.constant('/preferences')),
      withoutBody('GET', prefSegment.map((s) => `/preferences/${s}`)),
      {
        weight: 4,
        arbitrary: withBody('PUT', prefSegment.map((s) => `/preferences/${s}`), {
          value: fc.oneof(hostileString.map((v) => JSON.stringify(v)), fc.constantFrom('"EUR"', '"USD"', '"XXX"', '"en-GB"', '"not a locale"', 'true', 'null', '42')),
        }),
      },
      { weight: 2, arbitrary: withoutBody('DELETE', prefSegment.map((s) => `/preferences/${s}`)) },
    ),
    catalogue: fc.oneof(
      { weight: 3, arbitrary: withoutBody('GET', query.map((q) => `/products?${q}`)) },
      { weight: 2, arbitrary: withoutBody('GET', segment.map((s) => `/products/${s}`)) },
      withoutBody('GET', fc.constantFrom('/me', '/me/export', '/healthz', '/readyz', '/products/', '/products?', '/products?%', '/products?q=%E0', '/products?q=%00')),
      // Never the fuzzing user's password: a right one would change or delete the account under the other requests.
      withBody('POST', fc.constant('/me/password'), { currentPassword: hostileString.map((v) => JSON.stringify(v)), newPassword: password }),
      withBody('DELETE', fc.constant('/me'), { password: hostileString.map((v) => JSON.stringify(v)) }),
    ),
    anyRoute: fc
      .record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'CONNECT', 'M-SEARCH', 'get'),
        path: fc.oneof(
          fc.constantFrom(
            '/',
            '/cart',
            '/cart/items',
            '/cart/items/MUG-BLUE',
            '/preferences/theme',
            '/products',
            '/auth/login',
            '/me',
            '/healthz',
            '//cart',
            '/cart/',
            '/cart/./items',
            '/cart/items/../../auth/register',
            '/CART',
            '/cart%2Fitems',
            '/.env',
            '/openapi.json',
          ),
          fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => `/${segments.join('/')}`),
          fc.integer({ min: 2000, max: 60_000 }).map((length) => `/${'x'.repeat(length)}`),
        ),
        payload: fc.option(hostileJson, { nil: undefined }),
        extra: extraHeaders,
        auth,
      })
      .map(({ method, path, payload, extra, auth: credentials }) => ({
        method,
        url: path,
        headers: { ...extra, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(payload === undefined ? {} : { payload }),
        auth: credentials,
      })),
    bodies: fc
      .record({
        target: fc.constantFrom(
          { method: 'POST', url: '/cart/items', valid: '{"sku":"MUG-BLUE","quantity":1}' },
          { method: 'PUT', url: '/cart/items/MUG-WHITE', valid: '{"quantity":2}' },
          { method: 'PUT', url: '/preferences/theme', valid: '{"value":"dark"}' },
          { method: 'POST', url: '/auth/register', valid: '{"email":"x@y.test","password":"long enough"}' },
          { method: 'POST', url: '/auth/login', valid: '{"email":"x@y.test","password":"long enough"}' },
          { method: 'POST', url: '/auth/refresh', valid: '{"refreshToken":"abc"}' },
          { method: 'POST', url: '/auth/logout', valid: '{"refreshToken":"abc"}' },
          { method: 'POST', url: '/me/password', valid: '{"currentPassword":"not the one","newPassword":"long enough"}' },
          { method: 'DELETE', url: '/me', valid: '{"password":"not the one"}' },
        ),
        contentType: jsonContentType,
        auth,
      })
      .chain(({ target, contentType, auth: credentials }) =>
        brokenBody(fc.constant(target.valid), MAX_PAYLOAD_BYTES).map((payload): FuzzRequest => ({
          method: target.method,
          url: target.url,
          payload,
          headers: contentType === undefined ? {} : { 'content-type': contentType },
          auth: credentials,
        })),
      ),
    headers: fc
      .record({
        route: fc.constantFrom('/cart', '/preferences', '/me', '/products'),
        headers: fc.array(fc.tuple(hostileKey, hostileString), { maxLength: 300 }),
        authorization: fc.option(
          fc.oneof(
            hostileString.map((value) => wireSafe(`Bearer ${value}`)),
            hostileString.map(wireSafe),
            fc.integer({ min: 1, max: 100_000 }).map((length) => `Bearer ${'a'.repeat(length)}`),
            fc.integer({ min: 1, max: 2000 }).map((count) => `Bearer ${'a.'.repeat(count)}`),
          ),
          { nil: undefined },
        ),
      })
      .map(({ route, headers, authorization }) => {
        const built: Record<string, string> = {};
        for (const [name, value] of headers) {
          // Header names are tokens on the wire; what a client cannot send is not worth fuzzing.
          const token = name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '');
          if (token !== '' && !['content-length', 'transfer-encoding', 'host', 'authorization'].includes(token.toLowerCase())) {
            built[`x-${token}`] = wireSafe(value);
          }
        }
        if (authorization !== undefined) {
          built.authorization = authorization;
        }
        return { method: 'GET', url: route, headers: built, auth: authorization === undefined ? 'user' : 'none' } satisfies FuzzRequest;
      }),
  } satisfies Record<string, fc.Arbitrary<FuzzRequest>>;
})();

const groups: Array<{ name: string; arbitrary: fc.Arbitrary<FuzzRequest>; runs: number }> = [
  { name: 'the auth routes', arbitrary: arbitraries.auth, runs: 1200 },
  { name: 'the cart routes', arbitrary: arbitraries.cart, runs: 2000 },
  { name: 'the preference routes', arbitrary: arbitraries.preferences, runs: 1500 },
  { name: 'the catalogue, account and health routes', arbitrary: arbitraries.catalogue, runs: 1000 },
  { name: 'any method on any path', arbitrary: arbitraries.anyRoute, runs: 1000 },
  { name: 'broken bodies and content types', arbitrary: arbitraries.bodies, runs: 1500 },
  { name: 'hostile and oversized headers', arbitrary: arbitraries.headers, runs: 800 },
];

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`fuzzed requests on ${kind}`, () => {
    let db: InspectableDatabase;
    let server: Server;
    let user: { id: string; token: string };
    let fingerprint: string;
    const counts: Record<Problem | 'requests', number> = { requests: 0, '5xx': 0, shape: 0, state: 0, pollution: 0, unsendable: 0 };

    /** Signs a fresh token for the fuzzing user at their current token version: fuzzed logout-alls are legitimate. */
    const renewToken = async (): Promise<void> => {
      const record = await db.store.users.findById(user.id);
      user.token = issueAccessToken(internals.config.jwt, { id: user.id, tokenVersion: record!.tokenVersion }, new Date());
    };

    /** Sends one request and returns what was wrong with the answer, if anything. */
    const judge = async (request: FuzzRequest): Promise<Array<[Problem, string]>> => {
      counts.requests++;
      const headers = { ...request.headers };
      if (request.auth === 'user') {
        headers.authorization = `Bearer ${user.token}`;
      } else if (request.auth === 'garbage') {
        headers.authorization = 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo';
      }
      let res;
      try {
        res = await server.inject({ method: request.method, url: request.url, headers, ...(request.payload === undefined ? {} : { payload: request.payload }) });
      } catch (error) {
        return [['unsendable', `${internals.describe(request)}: ${(error as Error).message}`]];
      }
      const problems: Array<[Problem, string]> = [];
      const body = internals.decodedBody(res.rawPayload, res.headers['content-encoding']);
      const what = `${internals.describe(request)} → ${res.statusCode} ${body.slice(0, 200)}`;
      if (res.statusCode >= 500) {
        problems.push(['5xx', what]);
      }
      if (res.statusCode >= 400 && request.method.toUpperCase() !== 'HEAD') {
        const problem = internals.shapeProblem(res.statusCode, body);
        if (problem !== undefined) {
          problems.push(['shape', `${problem}: ${what}`]);
        }
      }
      const now = await db.fingerprint();
      const safe = ['GET', 'HEAD', 'OPTIONS'].includes(request.method.toUpperCase());
      if (now !== fingerprint && (res.statusCode >= 400 || safe)) {
        problems.push(['state', what]);
      }
      fingerprint = now;
      if (Object.getOwnPropertyNames(Object.prototype).length !== internals.prototypeKeys || ({} as Record<string, unknown>).admin !== undefined) {
        problems.push(['pollution', what]);
      }
      if (request.url.startsWith('/auth/logout') && res.statusCode < 300) {
        await renewToken();
      }
      return problems;
    };

    before(async () => {
      db = await openDatabase(kind);
      server = await buildServer({ store: db.store });
      const registered = await registerAndLogin(server);
      const me = await server.inject({ method: 'GET', url: '/me', headers: registered.headers });
      user = { id: (me.result as Me).id, token: registered.tokens.accessToken };
      for (const payload of [{ sku: 'MUG-BLUE', quantity: 2 }, { sku: 'TEE-BLACK-M', quantity: 1 }]) {
        await server.inject({ method: 'POST', url: '/cart/items', headers: { authorization: `Bearer ${user.token}` }, payload });
      }
      fingerprint = await db.fingerprint();
    });

    after(async () => {
      tally('fuzz', kind, {
        'requests fuzzed': counts.requests,
        '5xx': counts['5xx'],
        'bad error shapes': counts.shape,
        'rejected requests that changed state': counts.state,
        'prototype pollutions': counts.pollution,
        'requests inject could not send': counts.unsendable,
      });
      await db.dispose();
    });

    groups.forEach((group, index) => {
      const runs = kind === 'sqlite' ? group.runs : Math.ceil(group.runs * internals.postgresShare);
      it(`answers ${runs} fuzzed requests to ${group.name} below 500, in the standard shape, changing nothing when it refuses`, async () => {
        const found: Array<[Problem, string]> = [];
        await fc.assert(
          fc.asyncProperty(group.arbitrary, async (request) => {
            const problems = await judge(request);
            for (const problem of problems) {
              counts[problem[0]]++;
            }
            found.push(...problems);
          }),
          { seed: internals.baseSeed + index, numRuns: runs },
        );
        const summary = found.slice(0, 8).map(([problem, what]) => `[${problem}] ${what}`);
        expect(summary, `${found.length} problems`).to.equal([]);
      });
    });

    if (kind === 'sqlite') {
      it('answers oversized and malformed requests on the wire with a 4xx and keeps serving', async () => {
        await server.start();
        const port = Number(server.info.port);
        /** Writes raw bytes to the listening server and returns the status line it answers with, if any. */
        const raw = (bytes: string): Promise<string> =>
          new Promise((resolve, reject) => {
            const socket = connect(port, '127.0.0.1');
            let answer = '';
            socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${bytes.slice(0, 60)}`)));
            socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
            socket.on('error', reject);
            socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
            socket.end(bytes);
          });
        const token = user.token;
        const requests = [
          `GET /cart HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Pad: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
          `GET /cart HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\nConnection: close\r\n\r\n`,
          `GET /${'p'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          `GET /cart HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(30_000)}\r\nConnection: close\r\n\r\n`,
          `G\u0000T /cart HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          `GET /cart HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n`,
          `GET /cart HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\nConnection: close\r\n\r\n`,
          `POST /cart/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{"a":`,
          `POST /cart/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"sku":"MUG-BLUE","quantity":1}`,
          `POST /cart/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        ];
        const before = await db.fingerprint();
        const answers: string[] = [];
        for (const request of requests) {
          counts.requests++;
          answers.push(await raw(request));
        }
        // Every answer is a 4xx status line or, for a body that never arrives, a closed connection: never a 5xx.
        const bad = answers.filter((line) => !/^HTTP\/1\.1 4\d\d /.test(line) && line !== '');
        counts['5xx'] += answers.filter((line) => /^HTTP\/1\.1 5\d\d /.test(line)).length;
        expect(bad).to.equal([]);
        expect(await db.fingerprint()).to.equal(before);
        const health = await fetch(`${server.info.uri}/healthz`);
        expect(health.status).to.equal(200);
        await server.stop({ timeout: 1000 });
      });
    }
  });
}
