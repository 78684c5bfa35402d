import type { Command } from 'commander';

import type { DepsProvider } from '../../deps.js';
import { commandGroup } from '../group.js';
import { configGetCommand } from './get.js';
import { configListCommand, configListRun } from './list.js';
import { configSetCommand } from './set.js';
import { configUnsetCommand } from './unset.js';

/** `shop config …`; bare `shop config` lists the settings. */
export function configCommand(deps: DepsProvider): Command {
  return commandGroup('config', 'show and change settings such as the server URL', () => configListRun({ deps: deps() }))
    .addCommand(configListCommand(deps))
    .addCommand(configGetCommand(deps))
    .addCommand(configSetCommand(deps))
    .addCommand(configUnsetCommand(deps));
}
