import { createServer, type Server, type Socket } from 'node:net';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { makeConfigDir, runShop } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

/** A server that accepts connections, reads what is sent, and never answers. */
function startSilentServer(): Promise<{ url: string; connections: () => number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        connections: () => count,
        stop: () =>
          new Promise((done) => {
            sockets.forEach((socket) => socket.destroy());
            server.close(() => done());
          }),
      });
    });
  });
}

describe('the command timeout', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let dir: { path: string; remove(): Promise<void> };

  before(async () => {
    silent = await startSilentServer();
  });

  after(async () => {
    await silent.stop();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('gives up on a server that never answers after --timeout, retries included, and says so', async () => {
    const started = Date.now();
    const run = await runShop(['products', '--timeout', '1', '--online'], { server: silent.url, configDir: dir.path });

    expect(run.code).to.equal(3);
    expect(run.stderr).to.equal(
      `shop: cannot reach the shop server at ${silent.url}: no answer within 1 s (timed out waiting for an answer); --timeout or SHOP_TIMEOUT allows longer\n`,
    );
    // Generous: without the budget, three tries of undici's 15 s timeouts take 45 s.
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('takes the time from SHOP_TIMEOUT, and --timeout wins over it', async () => {
    const fromEnv = await runShop(['products', '--online'], { server: silent.url, configDir: dir.path, env: { SHOP_TIMEOUT: '0.5' } });
    const fromFlag = await runShop(['products', '--online', '--timeout', '0.3'], { server: silent.url, configDir: dir.path, env: { SHOP_TIMEOUT: '0.5' } });

    expect(fromEnv.stderr).to.contain('no answer within 0.5 s');
    expect(fromFlag.stderr).to.contain('no answer within 0.3 s');
  });

  it('refuses a timeout that is not a number of seconds, as a usage error', async () => {
    const flag = await runShop(['products', '--timeout', 'soon'], { server: silent.url, configDir: dir.path });
    const env = await runShop(['products'], { server: silent.url, configDir: dir.path, env: { SHOP_TIMEOUT: '0' } });

    expect(flag.code).to.equal(2);
    expect(flag.stderr).to.contain('--timeout is in seconds, from 0.1 to 3600');
    expect(env.code).to.equal(2);
    expect(env.stderr).to.equal('shop: SHOP_TIMEOUT is "0": give seconds, from 0.1 to 3600, e.g. SHOP_TIMEOUT=30\n');
  });

  it('says which try it is on and why, at a terminal', async () => {
    const resetting = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(resetting.address() as { port: number }).port}`;
    try {
      const run = await runShop(['products', '--online'], { server: url, configDir: dir.path, tty: { stderr: true }, env: { NO_COLOR: '1' } });

      expect(run.code).to.equal(3);
      expect(run.stderr).to.contain(`connection closed unexpectedly from ${url}; try 2 of 3…\n`);
      expect(run.stderr).to.contain(`connection closed unexpectedly from ${url}; try 3 of 3…\n`);
    } finally {
      await new Promise((resolve) => resetting.close(resolve));
    }
  });
});
