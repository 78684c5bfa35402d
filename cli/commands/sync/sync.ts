import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { UserError } from '../../errors.js';
import { plural, syncNotices, syncSummary } from '../../offline/notices.js';
import type { SyncReport } from '../../offline/replay.js';
import { syncReportView, syncStepView } from '../../views/sync.js';

export interface SyncOptions {
  deps: CommandDeps;
  /** A line per change at a terminal too (pipes always get them). */
  verbose: boolean;
}

export function syncCommand(deps: DepsProvider): Command {
  return new Command('sync')
    .description('send the changes queued while offline, in order; then save fresh copies for offline use')
    .option('-v, --verbose', 'at a terminal, list every change sent (pipes always get a line per change)')
    .action((options: { verbose?: boolean }) => syncRun({ deps: deps(), verbose: options.verbose === true }));
}

/**
 * Exits 0 when everything queued was sent; 1 when the server refused some of it (kept in `shop queue`); 3 when it
 * could not be reached and 4 when the login has expired — in both cases what was not sent stays queued.
 */
export async function syncRun({ deps, verbose }: SyncOptions): Promise<void> {
  const { client } = deps.offline();
  const progress = deps.output.progress(syncStepView, 'Sending queued changes', { verbose });
  let report: SyncReport;
  try {
    report = await client.sync({
      onStart: (total) => progress.start(total),
      onResult: (result, done, total) => progress.step(result, done, total),
    });
  } finally {
    await progress.finish();
  }
  for (const line of syncNotices(report, { quiet: false })) {
    await deps.output.info(line);
  }
  await deps.output.info(syncSummary(report));
  await deps.output.show(syncReportView, report);
  if (report.stopped !== null) {
    throw report.stopped.error;
  }
  const refused = report.results.filter((result) => result.outcome === 'failed').length;
  if (refused > 0) {
    throw new UserError(`the server refused ${plural(refused, 'queued change')}; see \`shop queue\``);
  }
}
