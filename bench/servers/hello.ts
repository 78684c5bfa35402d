/**
 * The baselines: bare Hapi routes doing no work. `GET /hello` answers a constant: what any Hapi route costs. `POST /echo`
 * takes the body and headers `POST /cart/items` takes, validated by the same joi schemas, and answers with the SKU:
 * what accepting a mutation costs in Hapi before any of it is applied.
 */
import Hapi from '@hapi/hapi';

import { AddItemPayload, CartMutationHeaders } from '../../server/routes/schemas.js';
import type { AddItemRequest } from '../../shared/wire.js';

const server = Hapi.server({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), debug: false });
server.route({ method: 'GET', path: '/hello', handler: () => ({ hello: 'world' }) });
server.route({
  method: 'POST',
  path: '/echo',
  options: { validate: { payload: AddItemPayload, headers: CartMutationHeaders } },
  handler: (request) => ({ sku: (request.payload as AddItemRequest).sku }),
});
await server.start();
process.stdout.write(`ready ${server.info.port}\n`);
process.once('SIGTERM', () => void server.stop({ timeout: 1000 }).then(() => process.exit(0)));
