import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { identityView } from '../../views/auth.js';
import { showRead } from '../show-result.js';

export interface WhoamiOptions {
  deps: CommandDeps;
}

export function whoamiCommand(deps: DepsProvider): Command {
  return new Command('whoami').description('print the email you are logged in with').action(() => whoamiRun({ deps: deps() }));
}

export async function whoamiRun({ deps }: WhoamiOptions): Promise<void> {
  const server = deps.server().url;
  const { client } = deps.offline();
  const read = await deps.output.waitFor('Checking…', client.me());
  await showRead(deps.output, identityView, { ...read, value: { server, me: read.value } });
}
