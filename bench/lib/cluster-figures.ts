import { readFileSync } from 'node:fs';

import type { ClusterFigure } from '../../scripts/cluster/checks.js';
import type { Figure } from './report.js';

/** What `SHOP_CLUSTER_FIGURES=<file> npm run test:cluster` writes: the figures only a cluster of real parts can measure. */
export interface ClusterFigures {
  measuredAt: string;
  /** The commit the cluster test ran on, when it ran in a git checkout. */
  commit: string | undefined;
  /** Its checks: figures from a run with failed checks are reported as such. */
  passed: number;
  failed: number;
  figures: ClusterFigure[];
}

/** The failover pauses the benchmark reports, whether or not a cluster run gave them. */
export const FAILOVER_PAUSES = ['failover-kill', 'failover-freeze'] as const;

/**
 * Rows for the failover pauses. The benchmark does not fail a primary itself (that takes a primary, a synchronous
 * standby, three instances and nginx: `npm run test:cluster`), so it reports what a cluster run wrote, saying when
 * and on which commit it was measured; without one, each row says how to get it.
 */
export function clusterFigureRows(file: string | undefined): Figure[] {
  const label = (phase: string) => `longest pause in acknowledged writes, primary ${phase === 'failover-kill' ? 'killed (SIGKILL)' : 'frozen (SIGSTOP)'}`;
  if (file === undefined) {
    return FAILOVER_PAUSES.map((phase) => ({
      name: label(phase),
      skipped: `not measured in this run: \`SHOP_CLUSTER_FIGURES=<file> npm run test:cluster -- ${phase}\`, then \`npm run bench -- --cluster-figures <file>\``,
      target: { kind: 'absolute', atMostMs: 10_000 },
    }));
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as ClusterFigures;
  const source = `reported from \`npm run test:cluster\` at ${report.measuredAt.slice(0, 16).replace('T', ' ')} UTC${report.commit === undefined ? '' : ` on ${report.commit}`}${report.failed > 0 ? `, a run with ${report.failed} failed checks` : ''}`;
  return FAILOVER_PAUSES.map((phase) => {
    const figure = report.figures.find((candidate) => candidate.name.startsWith(`${phase}:`));
    if (figure === undefined) {
      return { name: label(phase), skipped: `not in ${file}: that cluster run did not include ${phase}`, target: { kind: 'absolute', atMostMs: 10_000 } };
    }
    return {
      name: `${label(phase)} (${source})`,
      wallMs: figure.ms,
      measured: `${(figure.ms / 1000).toFixed(1)} s`,
      target: { kind: 'absolute', atMostMs: figure.atMostMs },
    };
  });
}
