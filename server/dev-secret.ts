import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError, type JwtKey } from './config.js';

/**
 * Development only: a random HS256 secret generated on first start and kept in `<dataDir>/jwt-secret` (mode 0600),
 * so tokens survive restarts and every local instance over the same data directory agrees. Production never uses
 * this: it requires `SHOP_JWT_KEYS`.
 */
export function loadOrCreateDevSecret(dataDir: string): JwtKey[] {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'jwt-secret');
  try {
    // 'wx' fails if the file exists, so two instances starting at once cannot each write a different secret.
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
  }
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (secret.length < 32) {
    throw new ConfigError(`${file} holds a secret shorter than 32 bytes; delete it to generate a new one`);
  }
  return [{ kid: 'dev', secret }];
}
