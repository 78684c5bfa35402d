import { BlockList, isIP } from 'node:net';

import { ConfigError } from './config-error.js';

/** The proxies whose `X-Forwarded-For` is believed: addresses and CIDR ranges, IPv4 or IPv6. */
export type TrustedProxies = BlockList;

const internals = {
  family(address: string): 'ipv4' | 'ipv6' | undefined {
    const version = isIP(address);
    return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
  },

  /** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is the same client as `192.0.2.1`. */
  normalize(address: string): string {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return (mapped ? mapped[1]! : address).toLowerCase();
  },
};

/**
 * Parses `SHOP_TRUSTED_PROXIES`: comma-separated addresses (`127.0.0.1`, `::1`) and CIDR ranges (`10.0.0.0/8`,
 * `fd00::/8`). Empty means no proxy is trusted, and the client is whoever opened the connection.
 */
export function parseTrustedProxies(value: string): TrustedProxies {
  const list = new BlockList();
  for (const entry of value.split(',').map((item) => item.trim()).filter((item) => item.length > 0)) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = internals.family(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 'ipv4' ? 32 : 128;
    if (!family || extra !== undefined || (bits !== undefined && (!/^\d{1,3}$/.test(prefix ?? '') || bits > maxBits))) {
      throw new ConfigError(`SHOP_TRUSTED_PROXIES: "${entry}" is neither an IP address nor a CIDR range`);
    }
    if (bits === undefined) {
      list.addAddress(address, family);
    } else {
      list.addSubnet(address, bits, family);
    }
  }
  return list;
}

/**
 * The address of the client a request came from. Hops are read from the right of `X-Forwarded-For` (each proxy appends
 * the address it was connected from) while the hop they came through is a trusted proxy; the first address not vouched
 * for by a trusted proxy is the client. So a client cannot pick its own address by sending the header: with no trusted
 * proxies the header is ignored, and whatever it prepends lies left of what our proxies appended.
 */
export function resolveClientAddress(remoteAddress: string, forwardedFor: string | undefined, trusted: TrustedProxies): string {
  let client = internals.normalize(remoteAddress);
  const hops = (forwardedFor ?? '').split(',').map((hop) => hop.trim()).filter((hop) => hop.length > 0);
  while (hops.length > 0) {
    const family = internals.family(client);
    if (!family || !trusted.check(client, family)) {
      break;
    }
    const hop = internals.normalize(hops.pop()!);
    if (!internals.family(hop)) {
      break; // garbage from somewhere we cannot vouch for: the last trusted hop is the best we know
    }
    client = hop;
  }
  return client;
}

/**
 * The key a client address is counted under by the login and registration limits. One host on IPv6 is normally given
 * a whole /64 and picks addresses from it at will, so an IPv6 client counts as its /64, written in one canonical form
 * (`2001:db8:0:1::/64`) however the address was spelled. An IPv4 address counts as itself; anything else as given.
 */
export function clientLimitKey(address: string): string {
  const plain = internals.normalize(address.replace(/%.*$/, '')); // a zone id names an interface, not a host
  if (internals.family(plain) !== 'ipv6') {
    return plain;
  }
  // The WHATWG URL parser writes an IPv6 host in RFC 5952 form: lower case, no leading zeros, `::` where it belongs.
  const canonical = new URL(`http://[${plain}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).join(':')}::/64`;
}
