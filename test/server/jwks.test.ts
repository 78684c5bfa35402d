import { createPublicKey, type JsonWebKey } from 'node:crypto';

import { expect } from '@hapi/code';
import Jwt from '@hapi/jwt';
import * as Lab from '@hapi/lab';

import { parseJwtKeys } from '../../server/auth/jwt-keys.js';
import type { JsonWebKeySet } from '../../server/routes/jwks.js';
import type { ErrorBody } from '../../shared/errors.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { testConfig } from '../helpers/config.js';
import { ecPrivateKeyPem, rsaPrivateKeyPem } from '../helpers/jwt-keys.js';
import { buildServer, registerAndLogin } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/** What another service does with our JWKS: find the token's kid, and check the signature with that public key. */
function verifiesWithJwks(jwks: JsonWebKeySet, token: string): boolean {
  const artifacts = Jwt.token.decode(token);
  const header = artifacts.decoded.header as { kid?: string; alg?: string };
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk || jwk.alg !== header.alg) {
    return false;
  }
  const { kid: _kid, alg: _alg, use: _use, ...material } = jwk;
  const pem = createPublicKey({ key: material as JsonWebKey, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
  try {
    Jwt.token.verifySignature(artifacts, { key: pem, algorithm: jwk.alg });
    return true;
  } catch {
    return false;
  }
}

for (const backend of backends) {
  describe(`GET /.well-known/jwks.json on ${backend.name}`, () => {
    let db: OpenBackend;

    before(async () => {
      db = await backend.open();
    });

    after(() => db.dispose());

    it('publishes every RS256 key with its kid, and a token the server issued verifies with it', async () => {
      const keys = parseJwtKeys(`next:${rsaPrivateKeyPem()},current:${rsaPrivateKeyPem()}`, 'RS256');
      const server = await buildServer({ store: db.store, config: testConfig({ jwt: { algorithm: 'RS256', keys } }) });

      const res = await server.inject('/.well-known/jwks.json');
      expect(res.statusCode).to.equal(200);
      expect(res.headers['cache-control']).to.equal('max-age=300, must-revalidate, public');
      const jwks = res.result as JsonWebKeySet;
      expect(jwks.keys.map((key) => [key.kid, key.kty, key.alg, key.use])).to.equal([
        ['next', 'RSA', 'RS256', 'sig'],
        ['current', 'RSA', 'RS256', 'sig'],
      ]);
      expect(res.payload).to.not.include('"d"'); // no private exponent

      const user = await registerAndLogin(server);
      expect(verifiesWithJwks(jwks, user.tokens.accessToken)).to.be.true();
      expect((await server.inject({ method: 'GET', url: '/me', headers: user.headers })).statusCode).to.equal(200);
    });

    it('publishes ES256 keys as P-256 curve points', async () => {
      const keys = parseJwtKeys(`ec:${ecPrivateKeyPem()}`, 'ES256');
      const server = await buildServer({ store: db.store, config: testConfig({ jwt: { algorithm: 'ES256', keys } }) });
      const jwks = (await server.inject('/.well-known/jwks.json')).result as JsonWebKeySet;
      expect(jwks.keys[0]).to.include({ kid: 'ec', kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      const user = await registerAndLogin(server);
      expect(verifiesWithJwks(jwks, user.tokens.accessToken)).to.be.true();
    });

    it('publishes an empty set under HS256, whose key is a secret', async () => {
      const server = await buildServer({ store: db.store });
      const res = await server.inject('/.well-known/jwks.json');
      expect(res.result).to.equal({ keys: [] });
    });

    it('rotates without a failed request: a new key verifies at once, then signs, then the old one goes', async () => {
      const [oldKey, newKey] = [parseJwtKeys(`old:${rsaPrivateKeyPem()}`, 'RS256')[0]!, parseJwtKeys(`new:${rsaPrivateKeyPem()}`, 'RS256')[0]!];
      const step = (keys: typeof oldKey[]) => buildServer({ store: db.store, config: testConfig({ jwt: { algorithm: 'RS256', keys } }) });
      const before = await step([oldKey]);
      const added = await step([oldKey, newKey]);
      const promoted = await step([newKey, oldKey]);
      const after = await step([newKey]);

      const user = await registerAndLogin(before);
      const oldToken = user.tokens.accessToken;
      // Instances still on the old configuration accept tokens from instances already promoted, and the reverse.
      const newToken = (await registerAndLogin(promoted)).tokens.accessToken;
      for (const server of [before, added, promoted]) {
        expect((await server.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${oldToken}` } })).statusCode).to.equal(200);
      }
      for (const server of [added, promoted, after]) {
        expect((await server.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${newToken}` } })).statusCode).to.equal(200);
      }
      // Once the old key is dropped, what it signed is refused.
      const refused = await after.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${oldToken}` } });
      expect((refused.result as ErrorBody).code).to.equal('TOKEN_INVALID');
      // The new key was published before it signed anything.
      expect(((await added.inject('/.well-known/jwks.json')).result as JsonWebKeySet).keys.map((key) => key.kid)).to.equal(['old', 'new']);
    });
  });
}
