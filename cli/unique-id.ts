/**
 * Names and keys unique to one `shop` call, made without node:crypto at the top of a module: loading it costs every
 * call ~3 ms (measured against `node -e 0`), and most calls need no randomness at all.
 */

let counter = 0;

/**
 * A name no other call picks: the time, a counter and about 100 random bits, for temporary files and lock tokens. Not a
 * secret and not a key anyone else sees, so `Math.random` is enough.
 */
export function uniqueName(): string {
  counter += 1;
  const random = () => Math.random().toString(36).slice(2, 12).padEnd(10, '0');
  return `${Date.now().toString(36)}-${counter.toString(36)}-${random()}${random()}`;
}

/** A fresh Idempotency-Key: a random UUID, from Web Crypto, which Node loads on first use. */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/** A fresh device id: 128 random bits from Web Crypto, base64url (22 characters). */
export function newDeviceId(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
}
