import { mkdirSync } from 'node:fs';

import type { TokenPair } from '../../shared/wire.js';
import { freePort, type RunningProcess, startServerProcess } from './processes.js';

/**
 * Starts the built `shop-server` over `databaseUrl` in its own process, in production mode with request logs off
 * unless `overrides` says otherwise (a variable set to undefined there is unset, as if never given). Cheap password
 * hashing: logins are set-up here, not measured.
 */
export async function startShopServer(databaseUrl: string, dataDir: string, overrides: NodeJS.ProcessEnv = {}): Promise<RunningProcess> {
  mkdirSync(dataDir, { recursive: true });
  return startServerProcess(
    process.execPath,
    ['dist/server/main.js'],
    {
      DATABASE_URL: databaseUrl,
      SHOP_DATA_DIR: dataDir,
      SHOP_JWT_KEYS: 'bench:a-benchmark-secret-that-is-long-enough-0123456789',
      SHOP_PASSWORD_COST: '10',
      // Set-up registers thousands of accounts from 127.0.0.1.
      SHOP_REGISTER_MAX_PER_ADDRESS: '1000000',
      SHOP_ACCESS_TOKEN_TTL: '7200',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      ...overrides,
    },
    await freePort(),
    '/readyz',
  );
}

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  }
  return res;
}

/** Registers and logs in `count` users through the API; returns their access tokens. */
export async function createUsers(baseUrl: string, count: number, prefix: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const credentials = { email: `${prefix}-${i}@bench.test`, password: 'bench-password-1' };
    await post(`${baseUrl}/auth/register`, credentials);
    tokens.push(((await (await post(`${baseUrl}/auth/login`, credentials)).json()) as TokenPair).accessToken);
  }
  return tokens;
}

/** Puts `skus.length` lines in the user's cart. */
export async function fillCart(baseUrl: string, token: string, skus: readonly string[]): Promise<void> {
  for (const [index, sku] of skus.entries()) {
    await post(`${baseUrl}/cart/items`, { sku, quantity: 1 + (index % 3) }, token);
  }
}
