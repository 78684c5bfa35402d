import { expect } from '@hapi/code';
import type { Server, ServerInjectResponse } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { parseTrustedProxies } from '../../server/client-address.js';
import type { Config } from '../../server/config.js';
import type { ErrorBody } from '../../shared/errors.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { testConfig } from '../helpers/config.js';
import { buildServer, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

const password = 'correct horse battery staple';
const owner = '198.51.100.10';
/** Every test attacks from its own address: the tests share a database, and the per-address count spans accounts. */
let attackers = 0;

/** A clock both instances share, so a test can let the window pass. */
class Clock {
  at = new Date('2026-02-01T10:00:00Z');
  now = (): Date => this.at;
  advance(seconds: number): void {
    this.at = new Date(this.at.getTime() + seconds * 1000);
  }
}

function loginFrom(server: Server, address: string, email: string, pass: string): Promise<ServerInjectResponse> {
  return server.inject({ method: 'POST', url: '/auth/login', payload: { email, password: pass }, remoteAddress: address });
}

function codeOf(res: ServerInjectResponse): string | undefined {
  return (res.result as ErrorBody | null)?.code;
}

for (const backend of backends) {
  describe(`login throttling across two instances over one ${backend.name} database`, () => {
    let db: OpenBackend;
    let clock: Clock;
    let a: Server;
    let b: Server;
    let attacker: string;

    const instances = async (config: Config): Promise<[Server, Server]> => [
      await buildServer({ store: db.store, config, now: clock.now }),
      // The second instance has its own connection: the database is all the two share.
      await buildServer({ store: await db.openAnother(), config, now: clock.now }),
    ];

    const register = async (): Promise<string> => {
      const email = uniqueEmail('throttle');
      const res = await a.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
      expect(res.statusCode).to.equal(201);
      return email;
    };

    before(async () => {
      db = await backend.open();
    });

    after(() => db.dispose());

    beforeEach(async () => {
      attacker = `100.64.${++attackers}.1`;
      clock = new Clock();
      [a, b] = await instances(testConfig());
    });

    it('answers 429 RATE_LIMITED with Retry-After on every instance after 10 failures, even to the right password', async () => {
      const email = await register();
      for (let i = 0; i < 10; i++) {
        const res = await loginFrom(i % 2 === 0 ? a : b, attacker, email, 'wrong password');
        expect(codeOf(res)).to.equal('INVALID_CREDENTIALS');
        clock.advance(10);
      }

      for (const server of [a, b]) {
        const refused = await loginFrom(server, attacker, email, password);
        expect(refused.statusCode).to.equal(429);
        expect(codeOf(refused)).to.equal('RATE_LIMITED');
        // The first failure was 100 s ago, so its 15-minute window ends in 800 s.
        expect(refused.headers['retry-after']).to.equal('800');
      }
      // The owner, from another address, is locked out too: the limit guards the account.
      expect((await loginFrom(b, owner, email, password)).statusCode).to.equal(429);
    });

    it('lets the account log in again once the window has passed, without extending it for refused attempts', async () => {
      const email = await register();
      for (let i = 0; i < 10; i++) {
        await loginFrom(a, attacker, email, 'wrong password');
      }
      clock.advance(14 * 60);
      for (let i = 0; i < 5; i++) {
        expect((await loginFrom(b, attacker, email, 'still wrong')).statusCode).to.equal(429);
      }
      clock.advance(60);

      const res = await loginFrom(b, owner, email, password);
      expect(res.statusCode).to.equal(200);
    });

    it('does not reset the failures from another address when the owner logs in successfully', async () => {
      const email = await register();
      for (let i = 0; i < 9; i++) {
        expect(codeOf(await loginFrom(a, attacker, email, 'wrong password'))).to.equal('INVALID_CREDENTIALS');
      }
      expect((await loginFrom(b, owner, email, password)).statusCode).to.equal(200);

      expect(codeOf(await loginFrom(b, attacker, email, 'wrong password'))).to.equal('INVALID_CREDENTIALS');
      expect(codeOf(await loginFrom(a, attacker, email, password))).to.equal('RATE_LIMITED');
    });

    it('forgets the failures of an address once a login from it succeeds', async () => {
      const email = await register();
      for (let i = 0; i < 9; i++) {
        await loginFrom(a, owner, email, 'typo in password');
      }
      expect((await loginFrom(b, owner, email, password)).statusCode).to.equal(200);
      for (let i = 0; i < 9; i++) {
        expect(codeOf(await loginFrom(a, owner, email, 'another typo'))).to.equal('INVALID_CREDENTIALS');
      }
      expect((await loginFrom(b, owner, email, password)).statusCode).to.equal(200);
    });

    it('checks no more than 10 passwords of one account when 40 attempts arrive at once on both instances', async () => {
      const email = await register();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => loginFrom(i % 2 === 0 ? a : b, `198.18.${attackers}.${i + 1}`, email, 'wrong password')),
      );
      const codes = results.map(codeOf);
      expect(codes.filter((code) => code === 'INVALID_CREDENTIALS').length).to.be.at.most(10);
      expect(codes.filter((code) => code === 'RATE_LIMITED').length).to.be.at.least(30);
      expect(codes.every((code) => code === 'INVALID_CREDENTIALS' || code === 'RATE_LIMITED')).to.be.true();
    });

    it('counts unknown emails like real ones, so a lockout does not tell whether an account exists', async () => {
      const email = uniqueEmail('nobody');
      for (let i = 0; i < 10; i++) {
        expect(codeOf(await loginFrom(a, attacker, email, 'a wrong guess'))).to.equal('INVALID_CREDENTIALS');
      }
      expect(codeOf(await loginFrom(b, attacker, email, 'a wrong guess'))).to.equal('RATE_LIMITED');
    });

    it('limits one address trying many accounts, with the limit configured', async () => {
      [a, b] = await instances(testConfig({ loginThrottle: { maxFailuresPerAccount: 10, maxFailuresPerAddress: 5, windowSeconds: 60 } }));
      for (let i = 0; i < 5; i++) {
        expect(codeOf(await loginFrom(i % 2 === 0 ? a : b, attacker, uniqueEmail('spray'), 'Winter2026!'))).to.equal('INVALID_CREDENTIALS');
      }
      const refused = await loginFrom(b, attacker, uniqueEmail('spray'), 'Winter2026!');
      expect(codeOf(refused)).to.equal('RATE_LIMITED');
      expect(refused.headers['retry-after']).to.equal('60');
      // Other addresses are not affected.
      const email = await register();
      expect((await loginFrom(a, owner, email, password)).statusCode).to.equal(200);
    });

    it('ignores X-Forwarded-For from a client that is not a trusted proxy', async () => {
      const email = await register();
      for (let i = 0; i < 10; i++) {
        const res = await a.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email, password: 'wrong password' },
          remoteAddress: attacker,
          headers: { 'x-forwarded-for': `192.0.2.${i + 1}` },
        });
        expect(codeOf(res)).to.equal('INVALID_CREDENTIALS');
      }
      const stored = await db.store.loginFailures.count('unused', attacker, new Date(0));
      expect(stored.address).to.equal(10);
    });

    it('takes the client from X-Forwarded-For when the connection comes from a trusted proxy', async () => {
      const proxied = testConfig({
        trustedProxies: parseTrustedProxies('10.0.0.0/8'),
        loginThrottle: { maxFailuresPerAccount: 100, maxFailuresPerAddress: 3, windowSeconds: 900 },
      });
      [a, b] = await instances(proxied);
      const viaProxy = (server: Server, client: string, forwarded: string): Promise<ServerInjectResponse> =>
        server.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: uniqueEmail('proxied'), password: 'wrong password' },
          remoteAddress: '10.1.2.3',
          headers: { 'x-forwarded-for': `${forwarded}, ${client}` },
        });

      for (let i = 0; i < 3; i++) {
        // Whatever the client put first in the header, the proxy appended the address it really came from.
        expect(codeOf(await viaProxy(i % 2 === 0 ? a : b, '192.0.2.50', `198.51.100.${i}`))).to.equal('INVALID_CREDENTIALS');
      }
      expect(codeOf(await viaProxy(a, '192.0.2.50', '198.51.100.99'))).to.equal('RATE_LIMITED');
      // Naming the locked address first does not make another client that address.
      expect(codeOf(await viaProxy(b, '192.0.2.51', '192.0.2.50'))).to.equal('INVALID_CREDENTIALS');
    });
  });
}
