import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { Cart } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

for (const backend of backends) {
  describe(`cart currency on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;

    const setCurrency = (on: Server, value: string) =>
      on.inject(as(user, { method: 'PUT', url: '/preferences/currency', payload: { value } }));
    const cart = async (on: Server = server) => (await on.inject(as(user, { method: 'GET', url: '/cart' }))).result as Cart;

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
    });

    after(() => db.dispose());

    beforeEach(async () => {
      user = await registerAndLogin(server);
      await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-BLUE', quantity: 2 } }));
    });

    it('prices the cart in the currency preference when every line has a price in it', async () => {
      expect((await setCurrency(server, 'USD')).statusCode).to.equal(200);

      const priced = await cart();
      expect(priced.lines[0]).to.include({ sku: 'MUG-BLUE', unitPrice: 1690, lineTotal: 3380 });
      expect(priced).to.include({ currency: 'USD', subtotal: 3380, currencyChoice: { reason: 'preference', preferred: 'USD', unpriced: [] } });
    });

    it('answers a mutation in the preferred currency too', async () => {
      await setCurrency(server, 'GBP');

      const res = await server.inject(as(user, { method: 'PUT', url: '/cart/items/MUG-BLUE', payload: { quantity: 1 } }));
      expect(res.result as Cart).to.include({ currency: 'GBP', subtotal: 1295 });
    });

    it('falls back to the catalogue currency, naming the lines without a price in the preferred one', async () => {
      await setCurrency(server, 'GBP');
      await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'COFFEE-DECAF-250', quantity: 1 } }));

      const priced = await cart();
      expect(priced).to.include({ currency: 'EUR', subtotal: 2 * 1490 + 1290 });
      expect(priced.currencyChoice).to.equal({ reason: 'unpriced', preferred: 'GBP', unpriced: ['COFFEE-DECAF-250'] });
    });

    it('reprices the cart on the next request on another instance after the preference changes', async () => {
      const other = await buildServer({ store: await db.openAnother() });
      expect((await cart(other)).currency).to.equal('EUR');

      await setCurrency(server, 'USD');
      expect(await cart(other)).to.include({ currency: 'USD', subtotal: 3380 });

      await other.inject(as(user, { method: 'DELETE', url: '/preferences/currency' }));
      expect(await cart()).to.include({ currency: 'EUR', subtotal: 2980, currencyChoice: { reason: 'default', preferred: null, unpriced: [] } });
    });
  });
}
