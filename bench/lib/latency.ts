import { Agent, request } from 'node:http';

import { median, percentile } from './stats.js';

export interface LatencyProbe {
  method: 'GET' | 'POST';
  path: string;
  /** Headers and body per request (a fresh Idempotency-Key, another user). */
  prepare: () => { headers: Record<string, string>; body?: string };
}

function once(agent: Agent, url: URL, probe: LatencyProbe): Promise<number> {
  const { headers, body } = probe.prepare();
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { method: probe.method, agent, headers }, (res) => {
      res.resume();
      res.once('end', () => {
        if ((res.statusCode ?? 500) >= 300) {
          reject(new Error(`${probe.method} ${probe.path}: ${res.statusCode}`));
        } else {
          resolve(Number(process.hrtime.bigint() - started) / 1e6);
        }
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** The indexes 0…n-1 in a random order (Fisher–Yates). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, index) => index);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/**
 * p50 and p99 in milliseconds with microsecond resolution, from `count` sequential requests per probe on one
 * keep-alive connection each: autocannon's histogram rounds to whole milliseconds, too coarse for a ratio of
 * sub-millisecond latencies. The probes take turns request by request, so the two sides of a latency ratio are sampled
 * over the same stretch of time, in a new random order each turn: in a fixed order, a probe that always follows
 * another one on the same server would always find that server's caches warm, and the one after a request to another
 * server would always find them cold (measured: 1.41× for a pair that alternating alone measured at 1.14×).
 */
export async function measureLatencies(
  probes: ReadonlyArray<{ url: string; probe: LatencyProbe }>,
  count: number,
): Promise<Array<{ p50: number; p99: number }>> {
  const connections = probes.map(({ url, probe }) => ({ probe, agent: new Agent({ keepAlive: true, maxSockets: 1 }), url: new URL(probe.path, url) }));
  const samples: number[][] = probes.map(() => []);
  try {
    for (let i = 0; i < Math.min(200, count); i++) {
      for (const { agent, url, probe } of connections) {
        await once(agent, url, probe); // warm-up
      }
    }
    for (let i = 0; i < count; i++) {
      for (const index of shuffled(connections.length)) {
        const { agent, url, probe } = connections[index] as (typeof connections)[number];
        samples[index]?.push(await once(agent, url, probe));
      }
    }
    return samples.map((values) => ({ p50: median(values), p99: percentile(values, 0.99) }));
  } finally {
    for (const { agent } of connections) {
      agent.destroy();
    }
  }
}
