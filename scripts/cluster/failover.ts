import { setTimeout as sleep } from 'node:timers/promises';

import postgres from 'postgres';

import type { Checks } from './checks.js';
import { Deployment } from './deployment.js';
import { registerUsers, runCartLoad } from './load.js';
import { startPostgresPair } from './postgres-pair.js';
import { checkExactlyOnce, report } from './report.js';
import { judge, readStoredCarts } from './verify.js';

export interface FailoverOptions {
  /** `kill`: SIGKILL every process of the primary. `freeze`: SIGSTOP them (a machine that vanished). */
  fault: 'kill' | 'freeze';
  env: Record<string, string>;
  users: number;
  clientsPerUser: number;
  skus: readonly string[];
}

const internals = {
  /** Load before the fault, so the pause is measured against a steady rate. */
  faultAfterMs: 2000,
  /** What an orchestrator takes to decide and promote (Patroni takes up to its ttl); the pause includes it. */
  promoteAfterMs: 2000,
  /** Load after the promotion, so every instance shows it writes again. */
  runAfterPromotionMs: 6000,
  maxPauseMs: 10_000,
  readyPollMs: 200,

  seconds(ms: number): string {
    return (ms / 1000).toFixed(1);
  },

  /** The longest gap between consecutive acknowledgements, and where it started (ms since `origin`). */
  longestPause(times: readonly number[], origin: number): { pauseMs: number; fromMs: number } {
    let longest = { pauseMs: 0, fromMs: 0 };
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      if (gap > longest.pauseMs) {
        longest = { pauseMs: gap, fromMs: times[i - 1]! - origin };
      }
    }
    return longest;
  },
};

/** `/readyz` of one instance, polled: what it answered and when each poll started and ended. */
interface ReadyPoll {
  startedAt: number;
  endedAt: number;
  status: number;
}

/** Polls `/readyz` every `readyPollMs` without waiting for earlier polls, so a slow answer leaves no gap. */
async function pollReadiness(url: string, until: () => boolean): Promise<ReadyPoll[]> {
  const polls: Promise<ReadyPoll>[] = [];
  while (!until()) {
    const startedAt = Date.now();
    polls.push(
      fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })
        .then(async (res) => {
          await res.arrayBuffer();
          return res.status;
        })
        .catch(() => 0)
        .then((status) => ({ startedAt, endedAt: Date.now(), status })),
    );
    await sleep(internals.readyPollMs);
  }
  return Promise.all(polls);
}

/**
 * A fresh primary and synchronous standby, three instances on the multi-host URL behind nginx, and keyed cart adds
 * from retrying clients. Mid-run the primary is killed or frozen, and the standby promoted a little later. Nothing
 * acknowledged may be lost or doubled, no 5xx but 503 may reach a client, writes may pause at most 10 s, and `/readyz`
 * must fail while no writable database is reachable and pass again after.
 */
export async function failoverPhase(checks: Checks, phase: string, options: FailoverOptions): Promise<void> {
  const setupStarted = Date.now();
  const pair = await startPostgresPair();
  checks.defer(() => pair.stop());
  const admin = postgres(pair.url(pair.primaryPort, 'postgres'), { max: 1, onnotice: () => {} });
  await admin`CREATE DATABASE shop`;
  await admin.end();
  const deployment = await Deployment.start(checks, phase, { ...options.env, DATABASE_URL: pair.multiHostUrl('shop') });
  const users = await registerUsers(deployment.nginx.url, phase, options.users);
  checks.log(`  ${phase}: primary :${pair.primaryPort} and synchronous standby :${pair.standbyPort} ready, instances up, in ${internals.seconds(Date.now() - setupStarted)} s`);

  const started = Date.now();
  const acks: number[] = [];
  let faultAt = Number.POSITIVE_INFINITY;
  let promotingAt = Number.POSITIVE_INFINITY;
  let promotedAt = Number.POSITIVE_INFINITY;
  const chaos = (async () => {
    await sleep(internals.faultAfterMs);
    faultAt = Date.now();
    const processes = options.fault === 'kill' ? pair.killPrimary() : pair.freezePrimary();
    checks.log(`  ${phase}: ${options.fault === 'kill' ? 'SIGKILLed' : 'SIGSTOPped'} the primary's ${processes} processes at ${internals.seconds(faultAt - started)} s`);
    await sleep(internals.promoteAfterMs);
    promotingAt = Date.now();
    await pair.promoteStandby();
    promotedAt = Date.now();
    checks.log(`  ${phase}: standby promoted at ${internals.seconds(promotedAt - started)} s`);
  })();
  const loadDone = (): boolean => Date.now() > promotedAt + internals.runAfterPromotionMs;
  const readiness = pollReadiness(deployment.instances[0]!.url, loadDone);
  const load = await runCartLoad({
    baseUrl: deployment.nginx.url,
    phase,
    users,
    clientsPerUser: options.clientsPerUser,
    skus: options.skus,
    done: loadDone,
    onAcknowledged: () => acks.push(Date.now()),
  });
  await chaos;
  const polls = await readiness;
  const seconds = (Date.now() - started) / 1000;
  // Every instance must be ready again: each found the promoted standby by itself.
  const readyAfter = await Promise.all(
    deployment.instances.map((instance) =>
      fetch(`${instance!.url}/readyz`, { signal: AbortSignal.timeout(5000) })
        .then(async (res) => (await res.arrayBuffer(), res.status))
        .catch(() => 0),
    ),
  );

  const verdict = judge(users, load.operations, await readStoredCarts({ postgres: pair.url(pair.standbyPort, 'shop') }, users));
  report(checks, phase, deployment, load, verdict, seconds);
  const statuses = deployment.statuses(phase);
  const other5xx = [...statuses].filter(([status]) => status >= 500 && status !== 503).reduce((sum, [, count]) => sum + count, 0);
  const pause = internals.longestPause(acks, started);
  const replaced = deployment.history
    .flat()
    .flatMap((instance) => instance.logs)
    .filter((line) => typeof line.msg === 'string' && line.msg.startsWith('database connections replaced'))
    .map((line) => String(line.msg));
  for (const reason of [...new Set(replaced)].slice(0, 3)) {
    checks.log(`    ${reason}`);
  }
  const firstAckAfterFault = acks.find((time) => time > faultAt);
  checks.log(
    `  ${phase}: acknowledged ${verdict.acknowledged}, lost ${verdict.lost}, doubled ${verdict.doubled}, ` +
      `503 ${statuses.get(503) ?? 0}, other 5xx ${other5xx}; longest pause in acknowledged writes ${internals.seconds(pause.pauseMs)} s ` +
      `(from ${internals.seconds(pause.fromMs)} s); first write after the fault ${firstAckAfterFault === undefined ? 'never' : `${internals.seconds(firstAckAfterFault - faultAt)} s after it`}; ` +
      `connection pools replaced ${replaced.length}`,
  );
  checkExactlyOnce(checks, phase, load, verdict);
  checks.check(`${phase}: no 5xx other than 503 reached a client`, other5xx === 0, `statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  checks.figure({ name: `${phase}: longest pause in acknowledged writes`, ms: pause.pauseMs, atMostMs: internals.maxPauseMs });
  checks.check(
    `${phase}: the longest pause in acknowledged writes is at most ${internals.maxPauseMs / 1000} s`,
    pause.pauseMs <= internals.maxPauseMs,
    `${internals.seconds(pause.pauseMs)} s`,
  );
  const outage = polls.filter((poll) => poll.startedAt >= faultAt && poll.endedAt <= promotingAt);
  checks.log(`  ${phase}: /readyz of instance 1 between the fault and the promotion answered ${outage.map((poll) => poll.status).join(',') || 'nothing'}`);
  checks.check(
    `${phase}: /readyz says not ready while there is no writable database`,
    outage.length > 0 && outage.every((poll) => poll.status === 503),
    `statuses ${outage.map((poll) => poll.status).join(',')}`,
  );
  checks.check(`${phase}: every instance is ready again after the promotion, without a restart`, readyAfter.every((status) => status === 200), `statuses ${readyAfter.join(',')}`);
  await deployment.stop();
  await pair.stop();
}
