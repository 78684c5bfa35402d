/*
 * Limits per client address, attacked from many addresses of one IPv6 /64 (which one host owns) and with floods of
 * registrations, across two instances over one database, on both databases.
 */
import { expect } from '@hapi/code';
import type { Server, ServerInjectResponse } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { parseTrustedProxies } from '../../server/client-address.js';
import type { Config } from '../../server/config.js';
import type { ErrorBody } from '../../shared/errors.js';
import { testConfig } from '../helpers/config.js';
import { buildServer, uniqueEmail } from '../helpers/server.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const password = 'correct horse battery staple';
const proxy = '10.0.0.1';

class Clock {
  at = new Date('2026-03-01T10:00:00Z');
  now = (): Date => this.at;
  advance(seconds: number): void {
    this.at = new Date(this.at.getTime() + seconds * 1000);
  }
}

const internals = {
  /** Sent through the trusted proxy, which says the client is `client`. */
  from(client: string): { remoteAddress: string; headers: Record<string, string> } {
    return { remoteAddress: proxy, headers: { 'x-forwarded-for': client } };
  },

  code(res: ServerInjectResponse): string | undefined {
    return (res.result as ErrorBody | null)?.code;
  },

  config(overrides: Partial<Config> = {}): Config {
    return testConfig({ trustedProxies: parseTrustedProxies(proxy), ...overrides });
  },
};

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`limits per client address on ${kind}`, () => {
    let db: InspectableDatabase;

    before(async () => {
      db = await openDatabase(kind);
    });

    after(() => db.dispose());

    const pair = async (config: Config, clock: Clock): Promise<[Server, Server]> => [
      await buildServer({ store: db.store, config, now: clock.now }),
      await buildServer({ store: await db.openAnother(), config, now: clock.now }),
    ];

    const register = (server: Server, client: string, email = uniqueEmail('flood')) =>
      server.inject({ method: 'POST', url: '/auth/register', payload: { email, password }, ...internals.from(client) });

    it('counts failed logins from every address of one IPv6 /64 together', async () => {
      const clock = new Clock();
      const config = internals.config({ loginThrottle: { maxFailuresPerAccount: 1000, maxFailuresPerAddress: 3, windowSeconds: 900 } });
      const [a, b] = await pair(config, clock);
      const statuses: number[] = [];
      for (let host = 1; host <= 12; host++) {
        // Each spelled differently, as an attacker rotating through its /64 would.
        const client = host % 2 === 0 ? `2001:DB8:0:A::${host.toString(16)}` : `2001:0db8:0000:000a:0:0:1:${host.toString(16)}`;
        const res = await (host % 2 === 0 ? a : b).inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: uniqueEmail('nobody'), password: 'a wrong guess' },
          ...internals.from(client),
        });
        statuses.push(res.statusCode);
      }
      expect(statuses).to.equal([401, 401, 401, ...Array<number>(9).fill(429)]);
      const elsewhere = await a.inject({ method: 'POST', url: '/auth/login', payload: { email: uniqueEmail('nobody'), password: 'a wrong guess' }, ...internals.from('2001:db8:0:b::1') });
      expect(elsewhere.statusCode).to.equal(401);
    });

    it('answers 429 RATE_LIMITED with Retry-After to registrations past the limit of one address, on every instance', async () => {
      const clock = new Clock();
      const [a, b] = await pair(internals.config({ registrationThrottle: { maxPerAddress: 3, windowSeconds: 3600 } }), clock);
      const client = '198.51.100.77';
      for (let i = 0; i < 3; i++) {
        expect((await register(i % 2 === 0 ? a : b, client)).statusCode).to.equal(201);
      }
      clock.advance(60);
      for (const server of [a, b]) {
        const refused = await register(server, client);
        expect(refused.statusCode).to.equal(429);
        expect(internals.code(refused)).to.equal('RATE_LIMITED');
        expect(refused.headers['retry-after']).to.equal(String(3600 - 60));
      }
    });

    it('lets another address register while one is refused, and the refused one again once its window ends', async () => {
      const clock = new Clock();
      const [a] = await pair(internals.config({ registrationThrottle: { maxPerAddress: 1, windowSeconds: 600 } }), clock);
      expect((await register(a, '198.51.100.88')).statusCode).to.equal(201);
      expect((await register(a, '198.51.100.88')).statusCode).to.equal(429);
      expect((await register(a, '198.51.100.89')).statusCode).to.equal(201);
      clock.advance(600);
      expect((await register(a, '198.51.100.88')).statusCode).to.equal(201);
    });

    it('counts registrations from one IPv6 /64 together', async () => {
      const clock = new Clock();
      const [a] = await pair(internals.config({ registrationThrottle: { maxPerAddress: 2, windowSeconds: 600 } }), clock);
      const statuses = [];
      for (let host = 1; host <= 4; host++) {
        statuses.push((await register(a, `2001:db8:0:c::${host}`)).statusCode);
      }
      expect(statuses).to.equal([201, 201, 429, 429]);
    });
  });
}
