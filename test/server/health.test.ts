import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { stopServer } from '../../server/server.js';
import { backends } from '../helpers/backends.js';
import { buildServer } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it } = lab;

for (const backend of backends) {
  describe(`health routes on ${backend.name}`, () => {
    it('answers /healthz and /readyz with ok while the database answers', async () => {
      const db = await backend.open();
      try {
        const server = await buildServer({ store: db.store });
        expect((await server.inject('/healthz')).result).to.equal({ status: 'ok' });
        const ready = await server.inject('/readyz');
        expect(ready.statusCode).to.equal(200);
        expect(ready.result).to.equal({ status: 'ok' });
      } finally {
        await db.dispose();
      }
    });

    it('answers /readyz with 503 when the database is gone, while /healthz stays up', async () => {
      const db = await backend.open();
      try {
        const store = await db.openAnother();
        const server = await buildServer({ store });
        await store.close();
        expect((await server.inject('/readyz')).statusCode).to.equal(503);
        expect((await server.inject('/healthz')).statusCode).to.equal(200);
      } finally {
        await db.dispose();
      }
    });

    it('keeps serving for the drain delay while /readyz fails, then stops accepting', async () => {
      const db = await backend.open();
      try {
        const server = await buildServer({ store: db.store });
        await server.start();
        const url = server.info.uri;
        const started = Date.now();
        const stopping = stopServer(server, 1000, { drainDelayMs: 300, acceptedGraceMs: 50 });

        const ready = await fetch(`${url}/readyz`);
        expect(ready.status).to.equal(503);
        expect((await fetch(`${url}/products?limit=1`)).status).to.equal(200);
        await stopping;
        expect(Date.now() - started).to.be.at.least(340);
        await expect(fetch(`${url}/healthz`)).to.reject();
      } finally {
        await db.dispose();
      }
    });

    it('answers /readyz with 503 as soon as shutdown begins', async () => {
      const db = await backend.open();
      try {
        const server = await buildServer({ store: db.store });
        await server.start();
        const stopping = stopServer(server, 1000);
        expect(server.app.draining).to.be.true();
        expect((await server.inject('/readyz')).statusCode).to.equal(503);
        await stopping;
      } finally {
        await db.dispose();
      }
    });
  });
}
