import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { clientLimitKey, parseTrustedProxies, resolveClientAddress } from '../../server/client-address.js';
import { ConfigError } from '../../server/config-error.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('resolveClientAddress', () => {
  const none = parseTrustedProxies('');
  const proxies = parseTrustedProxies('127.0.0.1, 10.0.0.0/8, fd00::/8');

  it('takes the connecting address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(resolveClientAddress('203.0.113.9', '198.51.100.1', none)).to.equal('203.0.113.9');
  });

  it('takes the last hop a trusted proxy appended', () => {
    expect(resolveClientAddress('127.0.0.1', 'spoofed, 203.0.113.9', proxies)).to.equal('203.0.113.9');
  });

  it('walks through a chain of trusted proxies to the first address none of them is', () => {
    expect(resolveClientAddress('127.0.0.1', '198.51.100.1, 203.0.113.9, 10.2.3.4', proxies)).to.equal('203.0.113.9');
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(resolveClientAddress('192.0.2.1', '10.0.0.1', proxies)).to.equal('192.0.2.1');
  });

  it('stops at a hop that is not an address', () => {
    expect(resolveClientAddress('127.0.0.1', '203.0.113.9, unknown', proxies)).to.equal('127.0.0.1');
  });

  it('treats an IPv4-mapped IPv6 peer as its IPv4 address, and trusts IPv6 ranges', () => {
    expect(resolveClientAddress('::ffff:127.0.0.1', '203.0.113.9', proxies)).to.equal('203.0.113.9');
    expect(resolveClientAddress('fd00::1', '2001:DB8::7', proxies)).to.equal('2001:db8::7');
  });
});

describe('parseTrustedProxies', () => {
  it('refuses what is neither an address nor a CIDR range', () => {
    for (const value of ['localhost', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129', '1.2.3.4/x']) {
      expect(() => parseTrustedProxies(value)).to.throw(ConfigError, /SHOP_TRUSTED_PROXIES/);
    }
  });
});

describe('clientLimitKey', () => {
  it('counts an IPv6 client as its /64, however the address is spelled', () => {
    const spellings = ['2001:db8:0:1::7', '2001:DB8:0:1:0:0:0:7', '2001:0db8:0000:0001:ffff:1:2:3', '2001:db8::1:aaaa:0:0:1', 'fe80::1'.replace('fe80', '2001:db8:0:1:0')];
    for (const address of spellings) {
      expect(clientLimitKey(address)).to.equal('2001:db8:0:1::/64');
    }
  });

  it('keeps neighbouring /64s apart', () => {
    expect(clientLimitKey('2001:db8:0:2::7')).to.not.equal(clientLimitKey('2001:db8:0:1::7'));
  });

  it('writes a prefix with runs of zeros and embedded IPv4 in one form', () => {
    expect(clientLimitKey('::1')).to.equal('0:0:0:0::/64');
    expect(clientLimitKey('64:ff9b::192.0.2.1')).to.equal('64:ff9b:0:0::/64');
    expect(clientLimitKey('fe80::1%eth0')).to.equal('fe80:0:0:0::/64');
  });

  it('counts an IPv4 client, or one on an IPv4-mapped IPv6 socket, as its own address', () => {
    expect(clientLimitKey('203.0.113.9')).to.equal('203.0.113.9');
    expect(clientLimitKey('::ffff:203.0.113.9')).to.equal('203.0.113.9');
  });
});
