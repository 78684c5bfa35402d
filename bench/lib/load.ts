import autocannon from 'autocannon';

import { type LatencyProbe, measureLatencies } from './latency.js';
import { median } from './stats.js';

export interface LoadFigures {
  /** Requests per second, median over rounds. */
  rps: number;
  /** Milliseconds: from the sequential latency probe when the plan has one, else autocannon's median over rounds. */
  p50: number;
  p99: number;
  /** Responses outside 2xx plus socket errors, summed over rounds: must be 0 for a figure to count. */
  failures: number;
}

/** One figure's load: a server and the request to drive it with. */
export interface LoadPlan {
  name: string;
  url: string;
  /** One request template; `setupRequest` may vary each request (a fresh Idempotency-Key, another user). */
  request: autocannon.Request;
  headers?: Record<string, string>;
  /** Several requests each connection sends in turn, as one cycle (`request` is then the first of them). */
  requests?: autocannon.Request[];
  /** Also measure latency precisely with sequential requests (see latency.ts); autocannon's p50/p99 are whole ms. */
  latency?: LatencyProbe;
}

export interface LoadSettings {
  connections: number;
  /** Length of one measured round. */
  seconds: number;
  rounds: number;
  latencySamples: number;
}

function drive(plan: LoadPlan, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: plan.url, connections, duration: seconds, headers: plan.headers ?? {}, requests: plan.requests ?? [plan.request] });
}

/**
 * Drives every plan with autocannon over loopback: a short warm-up each, then `rounds` rounds in which every plan gets
 * one turn, the first turn moving along by one each round. Interleaved so, drift on a shared machine (another tenant,
 * a slower stretch) lands on every figure alike instead of on whichever was measured last; the ratios between
 * figures are what the benchmark reports. Latency probes are interleaved too, request by request.
 */
export async function measureLoads(plans: readonly LoadPlan[], settings: LoadSettings, log: (message: string) => void): Promise<LoadFigures[]> {
  for (const plan of plans) {
    await drive(plan, settings.connections, Math.max(1, Math.round(settings.seconds / 3))); // JIT, caches, pools
  }
  const results: autocannon.Result[][] = plans.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    log(`round ${round + 1} of ${settings.rounds}`);
    for (let turn = 0; turn < plans.length; turn++) {
      const index = (round + turn) % plans.length;
      results[index]?.push(await drive(plans[index] as LoadPlan, settings.connections, settings.seconds));
    }
  }
  const probed = plans.flatMap((plan, index) => (plan.latency ? [{ index, url: plan.url, probe: plan.latency }] : []));
  const latencies = await measureLatencies(probed, settings.latencySamples);
  return plans.map((_, index) => {
    const rounds = results[index] ?? [];
    const latency = latencies[probed.findIndex((entry) => entry.index === index)];
    return {
      rps: median(rounds.map((result) => result.requests.average)),
      p50: latency?.p50 ?? median(rounds.map((result) => result.latency.p50)),
      p99: latency?.p99 ?? median(rounds.map((result) => result.latency.p99)),
      failures: rounds.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0),
    };
  });
}
