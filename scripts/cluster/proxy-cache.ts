import { setTimeout as sleep } from 'node:timers/promises';

import type { Checks } from './checks.js';
import type { Deployment } from './deployment.js';
import type { LoadUser } from './load.js';
import { readAccessLog } from './nginx.js';

/**
 * nginx's proxy_cache in front of the instances (deploy/nginx/shop.conf): catalogue answers, which the server marks
 * `public, max-age=…`, are served from the cache after the first request; cart answers, marked `no-store`, never are.
 * Which instance (if any) answered is read from nginx's access log: a cache hit names no upstream.
 */
export async function checkProxyCache(checks: Checks, phase: string, deployment: Deployment, user: LoadUser): Promise<void> {
  const get = async (path: string, requestId: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${deployment.nginx.url}${path}`, { headers: { 'x-request-id': `${phase}.${requestId}`, ...headers } });
    await res.arrayBuffer();
    return { status: res.status, cache: res.headers.get('x-cache-status') ?? '', etag: res.headers.get('etag') ?? '', cacheControl: res.headers.get('cache-control') ?? '' };
  };
  const auth = { authorization: `Bearer ${user.accessToken}` };

  // A query no other phase asks, so the first request cannot already be cached.
  const path = `/products?q=mug&currency=USD&limit=${7 + phase.length}`;
  const catalogue = [];
  for (let i = 0; i < 5; i++) {
    catalogue.push(await get(path, `catalogue.${i}`));
  }
  const conditional = await get(path, 'catalogue.conditional', { 'if-none-match': catalogue[0]!.etag });
  const carts = [];
  for (let i = 0; i < 5; i++) {
    carts.push(await get('/cart', `cart.${i}`, auth));
  }

  // nginx writes a request's log line after it has sent the answer: wait (briefly) until every request is in the log.
  const ids = [...catalogue.map((_, i) => `catalogue.${i}`), 'catalogue.conditional', ...carts.map((_, i) => `cart.${i}`)].map((id) => `${phase}.${id}`);
  let upstreams = new Map<string, string[]>();
  for (let waited = 0; waited < 2000; waited += 50) {
    upstreams = new Map(readAccessLog(deployment.nginx.accessLog).map((entry) => [entry.requestId, entry.upstreams]));
    if (ids.every((id) => upstreams.has(id))) {
      break;
    }
    await sleep(50);
  }
  const reachedInstance = (id: string) => (upstreams.get(`${phase}.${id}`) ?? []).length > 0;

  checks.log(`  ${phase}: catalogue through nginx ${catalogue.map((r) => r.cache || '-').join(' ')}; cart ${carts.map((r) => r.cache || '-').join(' ')}`);
  checks.check(
    `${phase}: catalogue answers are public with max-age, and served from nginx's cache after the first`,
    catalogue.every((r) => r.status === 200 && /^public, max-age=\d+$/.test(r.cacheControl)) &&
      catalogue[0]!.cache === 'MISS' &&
      catalogue.slice(1).every((r) => r.cache === 'HIT') &&
      reachedInstance('catalogue.0') &&
      [1, 2, 3, 4].every((i) => !reachedInstance(`catalogue.${i}`)),
    JSON.stringify(catalogue.map((r) => [r.status, r.cache, r.cacheControl])),
  );
  checks.check(`${phase}: a catalogue request with a matching If-None-Match gets 304 from the cache`, conditional.status === 304, JSON.stringify(conditional));
  checks.check(
    `${phase}: cart answers are no-store and never served from the cache: every one reached an instance`,
    carts.every((r) => r.status === 200 && r.cacheControl === 'no-store' && r.cache !== 'HIT') && carts.every((_, i) => reachedInstance(`cart.${i}`)),
    JSON.stringify(carts.map((r) => [r.status, r.cache, r.cacheControl])),
  );
}
