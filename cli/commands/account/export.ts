import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';

export interface AccountExportOptions {
  deps: CommandDeps;
}

export function accountExportCommand(deps: DepsProvider): Command {
  return new Command('export')
    .description('print everything the server holds about you as one JSON document (shop account export > me.json)')
    .action(() => accountExportRun({ deps: deps() }));
}

/** Always JSON, whatever the output mode: the document is the data. Never a saved copy: it must be the server's. */
export async function accountExportRun({ deps }: AccountExportOptions): Promise<void> {
  const document = await deps.output.waitFor('Collecting your data…', deps.api().exportAccount());
  await deps.output.json(document);
}
