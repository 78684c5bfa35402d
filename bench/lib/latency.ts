import { Agent, request } from 'node:http';

import { median } from './load.js';

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

/**
 * p50 and p99 in milliseconds with microsecond resolution, from `count` sequential requests on one keep-alive
 * connection: autocannon's histogram rounds to whole milliseconds, too coarse for a ratio of sub-millisecond latencies.
 */
export async function measureLatency(baseUrl: string, probe: LatencyProbe, count: number): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(probe.path, baseUrl);
  try {
    for (let i = 0; i < Math.min(200, count); i++) {
      await once(agent, url, probe); // warm-up
    }
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      samples.push(await once(agent, url, probe));
    }
    samples.sort((a, b) => a - b);
    return { p50: median(samples), p99: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] as number };
  } finally {
    agent.destroy();
  }
}
