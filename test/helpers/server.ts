import { randomUUID } from 'node:crypto';

import type { Server, ServerInjectOptions } from '@hapi/hapi';

import type { Config } from '../../server/config.js';
import type { Store } from '../../server/db/store.js';
import { createServer } from '../../server/server.js';
import type { TokenPair } from '../../shared/wire.js';
import { testConfig } from './config.js';

export interface TestServerOptions {
  store: Store;
  config?: Config;
  now?: () => Date;
}

/** A fresh initialized server over `store`, driven with `server.inject`. */
export function buildServer({ store, config = testConfig(), now }: TestServerOptions): Promise<Server> {
  return createServer({ config, store, ...(now ? { now } : {}) });
}

export interface TestUser {
  email: string;
  password: string;
  tokens: TokenPair;
  /** Headers that authenticate as this user. */
  headers: { authorization: string };
}

/** A unique email per call, so tests sharing one database never collide. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

/** Registers a new user and logs in, through the API. */
export async function registerAndLogin(server: Server, email = uniqueEmail()): Promise<TestUser> {
  const password = 'correct horse battery staple';
  const registered = await server.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
  if (registered.statusCode !== 201) {
    throw new Error(`register failed: ${registered.statusCode} ${registered.payload}`);
  }
  const tokens = await login(server, email, password);
  return { email, password, tokens, headers: { authorization: `Bearer ${tokens.accessToken}` } };
}

export async function login(server: Server, email: string, password: string): Promise<TokenPair> {
  const res = await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) {
    throw new Error(`login failed: ${res.statusCode} ${res.payload}`);
  }
  return res.result as TokenPair;
}

/** `server.inject` with the user's token attached. */
export function as(user: TestUser, options: ServerInjectOptions): ServerInjectOptions {
  return { ...options, headers: { ...user.headers, ...(options.headers ?? {}) } };
}
