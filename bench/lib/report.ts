import type { LoadFigures } from './load.js';

export type Target =
  | { kind: 'throughput'; atLeast: number }
  | { kind: 'p50'; atMost: number }
  | { kind: 'wall'; atMost: number }
  /** An absolute bound, for figures with nothing to compare against (a sync of N ops). */
  | { kind: 'absolute'; atMostMs: number }
  | { kind: 'reported' };

/** One row: a load figure or a wall time, optionally compared with an earlier row by name. */
export interface Figure {
  name: string;
  load?: LoadFigures;
  /** What `load.rps` counts, when not requests (checkout cycles count orders); latencies stay per request. */
  unit?: string;
  wallMs?: number;
  /** How to show the figure, when not as a load or a wall time (a failover pause in seconds). */
  measured?: string;
  /** Why the figure was not measured in this run (a tool not installed): shown instead, with no verdict. */
  skipped?: string;
  baseline?: string;
  target?: Target;
}

interface Row {
  name: string;
  measured: string;
  ratio: string;
  target: string;
  verdict: string;
}

/** A target in words, for a row whose ratio could not be computed. */
function describeTarget(target: Exclude<Target, { kind: 'reported' } | { kind: 'absolute' }>, baseline: string): string {
  switch (target.kind) {
    case 'throughput':
      return `≥ ${target.atLeast}× throughput of ${baseline}`;
    case 'p50':
      return `≤ ${target.atMost}× p50 of ${baseline}`;
    case 'wall':
      return `≤ ${target.atMost}× wall time of ${baseline}`;
  }
}

function rows(figures: readonly Figure[]): Row[] {
  const byName = new Map(figures.map((figure) => [figure.name, figure]));
  return figures.map((figure) => {
    const measured =
      figure.skipped ??
      figure.measured ??
      (figure.load
        ? `${Math.round(figure.load.rps).toLocaleString('en')} ${figure.unit ?? 'req/s'}, p50 ${figure.load.p50.toFixed(3)} ms, p99 ${figure.load.p99.toFixed(3)} ms`
        : `${figure.wallMs?.toFixed(1)} ms wall`);
    if (figure.target?.kind === 'absolute') {
      const bound = figure.target.atMostMs;
      const met = (figure.wallMs ?? Infinity) <= bound;
      const judged = Number.isFinite(bound) && figure.skipped === undefined;
      return { name: figure.name, measured, ratio: '', target: Number.isFinite(bound) ? `≤ ${bound / 1000} s` : '—', verdict: judged ? (met ? 'met' : 'NOT met') : figure.skipped === undefined ? '' : 'not measured' };
    }
    const base = figure.baseline ? byName.get(figure.baseline) : undefined;
    if (figure.skipped !== undefined) {
      return { name: figure.name, measured, ratio: '', target: figure.target?.kind === 'reported' || figure.target === undefined ? '—' : describeTarget(figure.target, figure.baseline ?? ''), verdict: 'not measured' };
    }
    if (!figure.target || !base) {
      return { name: figure.name, measured, ratio: '', target: '—', verdict: '' };
    }
    let ratio: number;
    let target: string;
    let met: boolean | undefined;
    switch (figure.target.kind) {
      case 'throughput':
        ratio = (figure.load?.rps ?? 0) / (base.load?.rps ?? 1);
        target = `≥ ${figure.target.atLeast}× throughput of ${base.name}`;
        met = ratio >= figure.target.atLeast;
        break;
      case 'p50':
        ratio = (figure.load?.p50 ?? 0) / Math.max(base.load?.p50 ?? 1, 0.001);
        target = `≤ ${figure.target.atMost}× p50 of ${base.name}`;
        met = ratio <= figure.target.atMost;
        break;
      case 'wall':
        ratio = (figure.wallMs ?? 0) / (base.wallMs ?? 1);
        target = `≤ ${figure.target.atMost}× wall time of ${base.name}`;
        met = ratio <= figure.target.atMost;
        break;
      case 'reported':
        if (figure.wallMs !== undefined) {
          ratio = figure.wallMs / (base.wallMs ?? 1);
          target = `reported: wall time vs ${base.name}`;
        } else {
          ratio = (figure.load?.rps ?? 0) / (base.load?.rps ?? 1);
          target = `reported: throughput vs ${base.name}`;
        }
        met = undefined;
        break;
    }
    return { name: figure.name, measured, ratio: `${ratio.toFixed(2)}×`, target, verdict: met === undefined ? '' : met ? 'met' : 'NOT met' };
  });
}

export function renderTable(figures: readonly Figure[], machine: string): string {
  const table = rows(figures);
  const widths = (['name', 'measured', 'ratio', 'target', 'verdict'] as const).map((key) => Math.max(...table.map((row) => row[key].length), key.length));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return [machine, line(['figure', 'measured', 'ratio', 'target', 'verdict']), ...table.map((row) => line([row.name, row.measured, row.ratio, row.target, row.verdict]))].join('\n');
}

/** The table as Markdown, followed by `notes` (bench/notes.md: the analysis of what the run shows, kept by hand). */
export function renderMarkdown(figures: readonly Figure[], machine: string, notes = ''): string {
  const table = rows(figures)
    .map((row) => `| ${row.name} | ${row.measured} | ${row.ratio} | ${row.target} | ${row.verdict} |`)
    .join('\n');
  return `# Benchmark results\n\n${machine}\n\nEvery ratio compares two figures measured in this one run (\`npm run bench\`).\n\n| figure | measured | ratio | target | verdict |\n|---|---|---|---|---|\n${table}\n${notes === '' ? '' : `\n${notes}`}`;
}
