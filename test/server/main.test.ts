import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { SERVER_BIN, startShopProcess } from '../helpers/shop-process.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

/** One request on a connection of its own (node:cluster spreads connections, not requests). */
function getOnce(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('shop-server (the built bin)', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-main-'));
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: join(dir, 'shop.db'),
      SHOP_JWT_KEYS: `k1:${'s'.repeat(40)}`,
      SHOP_PASSWORD_COST: '10',
      LOG_LEVEL: 'info',
    };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs --workers 2 processes on one port, serves from both, and stops them all on SIGTERM', async () => {
    const server = await startShopProcess({ env, args: ['--workers', '2'] });
    try {
      // Ready means one worker answers; on a busy machine the other may still be starting, and would serve nothing.
      for (let waited = 0; server.logs.filter((line) => line.msg === 'shop-server listening').length < 2 && waited < 20_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (let i = 0; i < 40; i++) {
        expect(await getOnce(`${server.url}/products?limit=1`)).to.equal(200);
      }
      const servedBy = new Set(
        server.logs.filter((line) => (line.req as { path?: string } | undefined)?.path === '/products').map((line) => line.pid),
      );
      expect(servedBy.size).to.equal(2);
      expect(servedBy.has(server.child.pid)).to.be.false(); // the primary serves nothing itself
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).to.equal({ code: 0, signal: null });
    expect(server.logs.filter((line) => line.msg === 'stopped')).to.have.length(2);
    expect(server.logs.some((line) => line.msg === 'all workers stopped')).to.be.true();
  });

  it('exits 78 (EX_CONFIG) with the reason on a bad configuration, before forking any worker', () => {
    const result = spawnSync(process.execPath, [SERVER_BIN], {
      env: { PATH: process.env.PATH ?? '', ...env, WORKERS: '2', SHOP_JWT_KEYS: 'k1:short' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).to.equal(78);
    expect(result.stderr).to.include('SHOP_JWT_KEYS');
  });

  it('fails /readyz for the drain delay after SIGTERM, then exits 0', async () => {
    const server = await startShopProcess({ env: { ...env, SHOP_DRAIN_DELAY_MS: '600' } });
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await getOnce(`${server.url}/readyz`)).to.equal(503);
    expect(await getOnce(`${server.url}/products?limit=1`)).to.equal(200);
    expect(await server.exited).to.equal({ code: 0, signal: null });
  });
});
