import type { Checks } from './checks.js';
import type { Deployment } from './deployment.js';
import type { LoadResult } from './load.js';
import { readAccessLog } from './nginx.js';
import type { Verdict } from './verify.js';

/** Figures for one phase, printed as one block. */
export function report(checks: Checks, phase: string, deployment: Deployment, load: LoadResult, verdict: Verdict, seconds: number): void {
  const entries = readAccessLog(deployment.nginx.accessLog).filter((entry) => entry.requestId.startsWith(`${phase}.`));
  const resent = entries.filter((entry) => entry.upstreams.length > 1).length;
  checks.log(
    `  ${phase}: ${load.operations.length} adds, ${load.requests} requests in ${seconds.toFixed(1)} s; ` +
      `acknowledged ${verdict.acknowledged}, resent by nginx to another instance ${resent}, ` +
      `failures retried by clients ${load.failedAttempts}, gave up ${load.gaveUp}, lost ${verdict.lost}, ` +
      `doubled ${verdict.doubled}; served per instance ${deployment.servedPerSlot(phase).join('/')}`,
  );
  for (const sample of load.failureSamples.slice(0, 5)) {
    checks.log(`    failure: ${sample}`);
  }
}

/** Checks that hold for any load phase: nothing lost, nothing doubled, nothing extra, nothing given up. */
export function checkExactlyOnce(checks: Checks, phase: string, load: LoadResult, verdict: Verdict): void {
  checks.check(
    `${phase}: every acknowledged add is in the database exactly once`,
    verdict.lost === 0 && verdict.doubled === 0 && verdict.missingKeys === 0,
    `lost ${verdict.lost}, doubled ${verdict.doubled}, keys missing ${verdict.missingKeys}`,
  );
  checks.check(
    `${phase}: the database holds nothing that was not acknowledged`,
    verdict.unexpectedKeys === 0 && verdict.versionMismatches === 0,
    `${verdict.unexpectedKeys} unacknowledged keys, ${verdict.versionMismatches} carts with a wrong version`,
  );
  checks.check(`${phase}: every add was acknowledged in the end`, load.gaveUp === 0, `${load.gaveUp} gave up`);
}
