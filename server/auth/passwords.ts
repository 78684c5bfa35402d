import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt. The stored form carries its own parameters — `scrypt$<log2N>$<r>$<p>$<salt>$<hash>`,
 * salt and hash base64url — so the cost can be raised later without invalidating existing hashes.
 */

const internals = {
  keyLength: 64,
  saltLength: 16,
  blockSize: 8,
  parallelization: 1,
  /** A hash computed once per process and cost to compare against when the email is unknown. Not user state. */
  decoys: new Map<number, Promise<string>>(),
};

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function scryptOptions(cost: number, r: number, p: number): ScryptOptions {
  const N = 2 ** cost;
  // Node's default maxmem (32 MiB) is below what N=2^17, r=8 needs (128 * N * r bytes = 128 MiB); allow it plus slack.
  return { N, r, p, maxmem: 128 * N * r + 16 * 1024 * 1024 };
}

/** Hashes a password with scrypt at N = 2^cost, r = 8, p = 1 and a fresh random salt. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(internals.saltLength);
  const key = await scrypt(
    password,
    salt,
    internals.keyLength,
    scryptOptions(cost, internals.blockSize, internals.parallelization),
  );
  return ['scrypt', cost, internals.blockSize, internals.parallelization, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Compares in constant time. A malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    return false;
  }
  const [cost, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (![cost, r, p].every(Number.isSafeInteger) || cost < 1 || cost > 24 || expected.length === 0) {
    return false;
  }
  const actual = await scrypt(password, salt, expected.length, scryptOptions(cost, r, p));
  return timingSafeEqual(actual, expected);
}

/**
 * Spends the same time as checking a real password of this cost, for logins with an unknown email, so response time
 * does not reveal which emails have accounts.
 */
export async function verifyDecoyPassword(password: string, cost: number): Promise<false> {
  await verifyPassword(password, await warmDecoyPassword(cost));
  return false;
}

/** Computes the decoy hash for `cost` ahead of the first login that needs it. */
export function warmDecoyPassword(cost: number): Promise<string> {
  let decoy = internals.decoys.get(cost);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'), cost);
    internals.decoys.set(cost, decoy);
  }
  return decoy;
}
