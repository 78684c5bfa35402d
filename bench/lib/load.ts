import autocannon from 'autocannon';

import { type LatencyProbe, measureLatency } from './latency.js';

export interface LoadFigures {
  /** Requests per second, median over rounds. */
  rps: number;
  /** Milliseconds: from the sequential latency probe when the plan has one, else autocannon's median over rounds. */
  p50: number;
  p99: number;
  /** Responses outside 2xx plus socket errors, summed over rounds: must be 0 for a figure to count. */
  failures: number;
}

export interface LoadPlan {
  url: string;
  /** Also measure latency precisely with sequential requests (see latency.ts); autocannon's p50/p99 are whole ms. */
  latency?: LatencyProbe;
  connections: number;
  seconds: number;
  rounds: number;
  /** One request template; `setupRequest` may vary each request (a fresh Idempotency-Key, another user). */
  request: autocannon.Request;
  headers?: Record<string, string>;
  latencySamples?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Drives `plan` with autocannon over loopback for a short warm-up and then `rounds` measured rounds. */
export async function measureLoad(plan: LoadPlan): Promise<LoadFigures> {
  const run = (seconds: number) =>
    autocannon({
      url: plan.url,
      connections: plan.connections,
      duration: seconds,
      headers: plan.headers ?? {},
      requests: [plan.request],
    });
  await run(Math.max(1, Math.round(plan.seconds / 3))); // JIT warm-up, caches, connection pools
  const results: autocannon.Result[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    results.push(await run(plan.seconds));
  }
  const latency = plan.latency ? await measureLatency(plan.url, plan.latency, plan.latencySamples ?? 1000) : undefined;
  return {
    rps: median(results.map((result) => result.requests.average)),
    p50: latency?.p50 ?? median(results.map((result) => result.latency.p50)),
    p99: latency?.p99 ?? median(results.map((result) => result.latency.p99)),
    failures: results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0),
  };
}

export { median };
