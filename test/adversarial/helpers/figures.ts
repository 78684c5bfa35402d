/**
 * The battery's figures: each suite adds what it tried and what got through, prints its own line on stderr, and when
 * the test process exits one summary line per area follows, e.g.
 *
 *   [adversarial] tokens: 412 tried, 0 accepted
 *
 * so a CI log shows at a glance that every figure that must be zero is.
 */
const internals = {
  areas: new Map<string, Map<string, number>>(),
  summaryHooked: false,

  format(figures: Iterable<[string, number]>): string {
    return [...figures].map(([name, value]) => `${value} ${name}`).join(', ');
  },

  printSummary(): void {
    for (const [area, figures] of internals.areas) {
      // 'exit' handlers must be synchronous; stderr writes to a pipe or file are.
      process.stderr.write(`[adversarial] ${area}: ${internals.format(figures)}\n`);
    }
  },
};

/** Adds a suite's figures to its area's totals and prints them, labelled with the suite. */
export function tally(area: string, suite: string, figures: Record<string, number>): void {
  let totals = internals.areas.get(area);
  if (!totals) {
    totals = new Map();
    internals.areas.set(area, totals);
  }
  for (const [name, value] of Object.entries(figures)) {
    totals.set(name, (totals.get(name) ?? 0) + value);
  }
  process.stderr.write(`[adversarial] ${area} (${suite}): ${internals.format(Object.entries(figures))}\n`);
  if (!internals.summaryHooked) {
    internals.summaryHooked = true;
    process.once('exit', internals.printSummary);
  }
}
