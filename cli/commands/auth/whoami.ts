import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { identityView } from '../../views/auth.js';

export interface WhoamiOptions {
  deps: CommandDeps;
}

export function whoamiCommand(deps: DepsProvider, run = whoamiRun): Command {
  return new Command('whoami').description('print the email you are logged in with').action(() => run({ deps: deps() }));
}

export async function whoamiRun({ deps }: WhoamiOptions): Promise<void> {
  const api = deps.api();
  const me = await deps.output.waitFor('Checking…', api.me());
  await deps.output.show(identityView, { server: api.server, me });
}
