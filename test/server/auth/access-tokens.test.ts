import { expect } from '@hapi/code';
import Jwt from '@hapi/jwt';
import * as Lab from '@hapi/lab';

import { createAccessTokenVerifier, issueAccessToken, verifyAccessToken } from '../../../server/auth/access-tokens.js';
import { parseJwtKeys } from '../../../server/auth/jwt-keys.js';
import { ShopError } from '../../../server/domain/errors.js';
import { testConfig, testKey } from '../../helpers/config.js';
import { ecPrivateKeyPem, rsaKey } from '../../helpers/jwt-keys.js';

export const lab = Lab.script();
const { describe, it } = lab;

const jwt = testConfig().jwt;
const now = new Date('2026-01-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const user = { id: '6b0c1c4e-0000-4000-8000-000000000001', tokenVersion: 3 };
const secret = testKey.secret;

function sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: Buffer = secret): string {
  return Jwt.token.generate(
    { sub: user.id, ver: 3, iss: 'shop', aud: 'shop-api', iat: nowSeconds, exp: nowSeconds + 900, ...payload },
    { key, algorithm: 'HS256' },
    { header: { typ: 'at+jwt', kid: 'test-1', ...header } },
  );
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).to.be.an.instanceof(ShopError);
    return (error as ShopError).code;
  }
  throw new Error('expected a ShopError');
}

describe('verifyAccessToken', () => {
  it('accepts a token it issued and returns its claims', () => {
    const claims = verifyAccessToken(jwt, issueAccessToken(jwt, user, now), now);
    expect(claims).to.include({ sub: user.id, ver: 3, iat: nowSeconds, exp: nowSeconds + 900 });
  });

  it('refuses alg none in any spelling', () => {
    for (const alg of ['none', 'None', 'nOnE']) {
      const token = `${b64({ alg, typ: 'at+jwt', kid: 'test-1' })}.${b64({ sub: user.id, ver: 3, iss: 'shop', aud: 'shop-api', iat: nowSeconds, exp: nowSeconds + 900 })}.`;
      expect(codeOf(() => verifyAccessToken(jwt, token, now))).to.equal('TOKEN_INVALID');
    }
  });

  it('refuses a token with its signature stripped', () => {
    const [header, payload] = sign({}).split('.');
    expect(codeOf(() => verifyAccessToken(jwt, `${header}.${payload}.`, now))).to.equal('TOKEN_INVALID');
  });

  it('refuses a token signed with another key under a known kid', () => {
    const token = sign({}, {}, Buffer.from('another-secret-that-is-also-long-enough!!'));
    expect(codeOf(() => verifyAccessToken(jwt, token, now))).to.equal('TOKEN_INVALID');
  });

  it('refuses an unknown kid and a kid with path or SQL characters', () => {
    for (const kid of ['nope', '../../etc/passwd', "' OR 1=1 --", undefined]) {
      expect(codeOf(() => verifyAccessToken(jwt, sign({}, { kid }), now))).to.equal('TOKEN_INVALID');
    }
  });

  it('refuses a missing or wrong typ', () => {
    expect(codeOf(() => verifyAccessToken(jwt, sign({}, { typ: 'JWT' }), now))).to.equal('TOKEN_INVALID');
    expect(codeOf(() => verifyAccessToken(jwt, sign({}, { typ: undefined }), now))).to.equal('TOKEN_INVALID');
  });

  it('refuses a wrong issuer or audience', () => {
    expect(codeOf(() => verifyAccessToken(jwt, sign({ iss: 'evil' }), now))).to.equal('TOKEN_INVALID');
    expect(codeOf(() => verifyAccessToken(jwt, sign({ aud: 'other-api' }), now))).to.equal('TOKEN_INVALID');
  });

  it('refuses a token whose nbf is in the future', () => {
    expect(codeOf(() => verifyAccessToken(jwt, sign({ nbf: nowSeconds + 3600 }), now))).to.equal('TOKEN_INVALID');
  });

  it('says TOKEN_EXPIRED for a genuine token past its exp', () => {
    const token = issueAccessToken(jwt, user, now);
    const later = new Date(now.getTime() + 901_000);
    expect(codeOf(() => verifyAccessToken(jwt, token, later))).to.equal('TOKEN_EXPIRED');
  });

  it('says TOKEN_INVALID, not expired, for a forged token past its exp', () => {
    const token = sign({ exp: nowSeconds - 10 }, {}, Buffer.from('another-secret-that-is-also-long-enough!!'));
    expect(codeOf(() => verifyAccessToken(jwt, token, now))).to.equal('TOKEN_INVALID');
  });

  it('refuses tokens without sub or ver', () => {
    expect(codeOf(() => verifyAccessToken(jwt, sign({ sub: undefined }), now))).to.equal('TOKEN_INVALID');
    expect(codeOf(() => verifyAccessToken(jwt, sign({ ver: '3' }), now))).to.equal('TOKEN_INVALID');
  });

  it('refuses garbage', () => {
    for (const token of ['', 'a.b', 'a.b.c', '....', 'eyJ.eyJ.sig']) {
      expect(codeOf(() => verifyAccessToken(jwt, token, now))).to.equal('TOKEN_INVALID');
    }
  });

  it('verifies with every configured key and signs with the first, for rotation without downtime', () => {
    const oldKey = { kid: 'old', secret: Buffer.from('the-previous-secret-still-long-enough!!!') };
    const newKey = { kid: 'new', secret: Buffer.from('the-next-secret-which-is-long-enough!!!!') };
    const before = { ...jwt, keys: [oldKey] };
    const during = { ...jwt, keys: [newKey, oldKey] };
    const oldToken = issueAccessToken(before, user, now);
    expect(verifyAccessToken(during, oldToken, now).sub).to.equal(user.id);
    const newToken = issueAccessToken(during, user, now);
    expect((Jwt.token.decode(newToken).decoded.header as Record<string, unknown>).kid).to.equal('new');
    expect(codeOf(() => verifyAccessToken(before, newToken, now))).to.equal('TOKEN_INVALID');
  });
});

describe('createAccessTokenVerifier', () => {
  it('remembers only what the signature proves: times are checked on every call', () => {
    const verify = createAccessTokenVerifier(jwt);
    const token = issueAccessToken(jwt, user, now);
    expect(verify(token, now)).to.include({ sub: user.id, ver: 3 });
    expect(verify(token, now)).to.include({ sub: user.id, ver: 3 });
    expect(codeOf(() => verify(token, new Date(now.getTime() + 901_000)))).to.equal('TOKEN_EXPIRED');
    const early = sign({ nbf: nowSeconds + 3600, exp: nowSeconds + 7200 });
    expect(codeOf(() => verify(early, now))).to.equal('TOKEN_INVALID');
    expect(verify(early, new Date(now.getTime() + 3600_000)).sub).to.equal(user.id);
  });

  it('refuses a token one byte away from a remembered one', () => {
    const verify = createAccessTokenVerifier(jwt);
    const token = issueAccessToken(jwt, user, now);
    verify(token, now);
    const signatureStart = token.lastIndexOf('.') + 1;
    for (const index of [0, token.indexOf('.') + 3, signatureStart + 2]) {
      const flipped = token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);
      expect(codeOf(() => verify(flipped, now))).to.equal('TOKEN_INVALID');
    }
    expect(verify(token, now).sub).to.equal(user.id);
  });

  it('stays bounded and keeps answering once full', () => {
    const verify = createAccessTokenVerifier(jwt, 2);
    const tokens = [1, 2, 3, 4].map((version) => issueAccessToken(jwt, { ...user, tokenVersion: version }, now));
    for (let round = 0; round < 2; round++) {
      expect(tokens.map((token) => verify(token, now).ver)).to.equal([1, 2, 3, 4]);
    }
  });
});

describe('verifyAccessToken with RS256', () => {
  const current = rsaKey('rsa-2');
  const previous = rsaKey('rsa-1');
  const rs256 = { ...jwt, algorithm: 'RS256' as const, keys: [current, previous] };

  it('signs with the first key and verifies with any configured one', () => {
    const token = issueAccessToken(rs256, user, now);
    expect(Jwt.token.decode(token).decoded.header as Record<string, unknown>).to.include({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-2' });
    expect(verifyAccessToken(rs256, token, now).sub).to.equal(user.id);
    const older = issueAccessToken({ ...rs256, keys: [previous] }, user, now);
    expect(verifyAccessToken(rs256, older, now).sub).to.equal(user.id);
  });

  it('refuses an HS256 token whose HMAC key is our RSA public key', () => {
    // The classic confusion attack: the public key is public, so anyone could compute this signature.
    const forged = Jwt.token.generate(
      { sub: user.id, ver: 3, iss: 'shop', aud: 'shop-api', iat: nowSeconds, exp: nowSeconds + 900 },
      { key: current.publicKey, algorithm: 'HS256' },
      { header: { typ: 'at+jwt', kid: 'rsa-2' } },
    );
    expect(codeOf(() => verifyAccessToken(rs256, forged, now))).to.equal('TOKEN_INVALID');
  });

  it('refuses an RS256 token when HS256 is configured', () => {
    const token = issueAccessToken(rs256, user, now);
    expect(codeOf(() => verifyAccessToken({ ...jwt, keys: [testKey, { ...current, kid: 'test-1' }] }, token, now))).to.equal('TOKEN_INVALID');
  });

  it('refuses a token signed by a key that is not configured, under a configured kid', () => {
    const stranger = rsaKey('rsa-2');
    const token = issueAccessToken({ ...rs256, keys: [stranger] }, user, now);
    expect(codeOf(() => verifyAccessToken(rs256, token, now))).to.equal('TOKEN_INVALID');
  });
});

describe('verifyAccessToken with ES256', () => {
  it('signs and verifies with a P-256 key', () => {
    const es256 = { ...jwt, algorithm: 'ES256' as const, keys: parseJwtKeys(`ec-1:${ecPrivateKeyPem()}`, 'ES256') };
    const token = issueAccessToken(es256, user, now);
    expect(Jwt.token.decode(token).decoded.header as Record<string, unknown>).to.include({ alg: 'ES256', kid: 'ec-1' });
    expect(verifyAccessToken(es256, token, now).ver).to.equal(3);
    expect(codeOf(() => verifyAccessToken({ ...es256, algorithm: 'RS256' }, token, now))).to.equal('TOKEN_INVALID');
  });
});
