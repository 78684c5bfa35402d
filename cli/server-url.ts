import { usageError } from './errors.js';

/** Where `shop` sends requests when nothing else says: the address `npm start` listens on. */
export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

/**
 * Checks and canonicalises a server URL: http or https, no credentials, query or fragment, no trailing slash. The
 * canonical form is also the key credentials are stored under, so `http://host:3000/` and `http://host:3000` share a
 * login. Returns `undefined` when the text is not such a URL.
 */
export function normalizeServerUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return undefined;
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return undefined;
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export interface ResolvedServer {
  url: string;
  source: 'flag' | 'env' | 'config' | 'default';
}

/**
 * Picks the server: `--server`, then `SHOP_SERVER`, then `shop config set server`, then {@link DEFAULT_SERVER}.
 * A malformed value is a usage error naming where it came from, rather than a confusing connection failure.
 */
export function resolveServer(sources: {
  flag: string | undefined;
  env: string | undefined;
  config: () => string | undefined;
}): ResolvedServer {
  const candidates: [ResolvedServer['source'], string, () => string | undefined][] = [
    ['flag', '--server', () => sources.flag],
    ['env', 'SHOP_SERVER', () => (sources.env === '' ? undefined : sources.env)],
    ['config', 'the "server" config setting', sources.config],
  ];
  for (const [source, name, read] of candidates) {
    const text = read();
    if (text === undefined) {
      continue;
    }
    const url = normalizeServerUrl(text);
    if (url === undefined) {
      throw usageError(`${name} must be an http:// or https:// URL, got "${text}"`);
    }
    return { url, source };
  }
  return { url: DEFAULT_SERVER, source: 'default' };
}
