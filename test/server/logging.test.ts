import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { createLogger } from '../../server/logger.js';
import type { TokenPair } from '../../shared/wire.js';
import { backends } from '../helpers/backends.js';
import { testConfig } from '../helpers/config.js';
import { buildServer, uniqueEmail } from '../helpers/server.js';
import { createServer } from '../../server/server.js';

export const lab = Lab.script();
const { describe, it } = lab;

/** Collects what the logger writes, one parsed JSON object per line. */
class LogCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  get text(): string {
    return this.lines.join('');
  }
  get records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

for (const backend of backends) {
  describe(`request logs on ${backend.name}`, () => {
    it('hold no password, access token or refresh token after a whole session, at the most verbose level', async () => {
      const db = await backend.open();
      try {
        const capture = new LogCapture();
        const server = await createServer({ config: testConfig(), store: db.store, log: createLogger('trace', capture) });
        const email = uniqueEmail('logged');
        const password = 'a password nobody may log';

        await server.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
        await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'a wrong password to log' } });
        const tokens = (await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password } })).result as TokenPair;
        const authorization = `Bearer ${tokens.accessToken}`;
        await server.inject({ method: 'GET', url: '/me', headers: { authorization, cookie: 'session=s3cr3t' } });
        const refreshed = (await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: tokens.refreshToken } }))
          .result as TokenPair;
        await server.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: `Bearer ${refreshed.accessToken}` }, payload: { refreshToken: refreshed.refreshToken } });

        expect(capture.records.filter((record) => record.msg !== undefined).length).to.be.at.least(6);
        for (const secret of [password, 'a wrong password to log', tokens.accessToken, tokens.refreshToken, refreshed.accessToken, refreshed.refreshToken, 's3cr3t']) {
          expect(capture.text).to.not.include(secret);
        }
        expect(capture.text).to.not.include('Bearer');
        // What is logged: method, path, status, time, and the id to find the request by.
        const me = capture.records.find((record) => (record.req as { path?: string } | undefined)?.path === '/me');
        expect(me).to.include({ level: 'info' });
        expect(me!.reqId).to.be.a.string();
        expect((me!.res as { statusCode: number }).statusCode).to.equal(200);
      } finally {
        await db.dispose();
      }
    });
  });
}

describe('redaction', () => {
  it('censors credentials wherever a log call puts them', () => {
    const capture = new LogCapture();
    const log = createLogger('info', capture);
    log.info({ password: 'p1', payload: { password: 'p2', refreshToken: 'r1' }, headers: { authorization: 'Bearer t1' }, token: 't2' }, 'careless');
    expect(capture.text).to.not.match(/p1|p2|r1|t1|t2/);
    expect(capture.records[0]).to.include({ password: '[redacted]', token: '[redacted]' });
  });
});

describe('X-Request-Id', () => {
  it('echoes the id a caller sends, on success and on error', async () => {
    const { store, dispose } = await backends[0]!.open();
    try {
      const server = await buildServer({ store });
      const ok = await server.inject({ method: 'GET', url: '/products', headers: { 'x-request-id': 'edge-1234.abc' } });
      expect(ok.headers['x-request-id']).to.equal('edge-1234.abc');
      const failed = await server.inject({ method: 'GET', url: '/cart', headers: { 'x-request-id': 'edge-5678' } });
      expect(failed.statusCode).to.equal(401);
      expect(failed.headers['x-request-id']).to.equal('edge-5678');
      const missing = await server.inject({ method: 'GET', url: '/no/such/route' });
      expect(missing.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    } finally {
      await dispose();
    }
  });

  it('makes a fresh id when the caller sends none or one unfit for a log line', async () => {
    const { store, dispose } = await backends[0]!.open();
    try {
      const server = await buildServer({ store });
      const ids = new Set<string>();
      for (const header of [undefined, 'has spaces and "quotes"', 'x'.repeat(200)]) {
        const res = await server.inject({ method: 'GET', url: '/healthz', headers: header === undefined ? {} : { 'x-request-id': header } });
        const id = res.headers['x-request-id'] as string;
        expect(id).to.match(/^[0-9a-f-]{36}$/);
        ids.add(id);
      }
      expect(ids.size).to.equal(3);
    } finally {
      await dispose();
    }
  });
});
