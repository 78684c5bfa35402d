/** The baseline: a bare Hapi route that answers a constant. What any Hapi route costs before it does any work. */
import Hapi from '@hapi/hapi';

const server = Hapi.server({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), debug: false });
server.route({ method: 'GET', path: '/hello', handler: () => ({ hello: 'world' }) });
await server.start();
process.stdout.write(`ready ${server.info.port}\n`);
process.once('SIGTERM', () => void server.stop({ timeout: 1000 }).then(() => process.exit(0)));
