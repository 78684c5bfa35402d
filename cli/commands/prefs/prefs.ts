import type { Command } from 'commander';

import type { DepsProvider } from '../../deps.js';
import { commandGroup } from '../group.js';
import { prefsGetCommand } from './get.js';
import { prefsListCommand, prefsListRun } from './list.js';
import { prefsSetCommand } from './set.js';
import { prefsUnsetCommand } from './unset.js';

/** `shop prefs …`; bare `shop prefs` lists them. */
export function prefsCommand(deps: DepsProvider): Command {
  return commandGroup('prefs', 'show and change your preferences (shop prefs = shop prefs list)', () =>
    prefsListRun({ deps: deps() }),
  )
    .addCommand(prefsListCommand(deps))
    .addCommand(prefsGetCommand(deps))
    .addCommand(prefsSetCommand(deps))
    .addCommand(prefsUnsetCommand(deps));
}
