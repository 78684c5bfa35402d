import { type CliContext, createCommandDeps, type DisposableDeps, type GlobalOptions } from './deps.js';
import type { ExitCode } from './errors.js';
import { buildProgram } from './program.js';
import { reportError } from './report-error.js';

/**
 * Runs one command line and returns its exit code; never exits, never reads `process`. cli/main.ts calls it with
 * the real process, tests with PassThrough streams. This is the one place errors are caught and turned into exit
 * codes (it lives here rather than in main.ts so tests can see those codes).
 */
export async function runCli(context: CliContext): Promise<ExitCode> {
  // Until commander has parsed the line; `--debug` is looked for by hand so even a parse failure can use it.
  let globals: GlobalOptions = { debug: context.argv.includes('--debug') };
  let deps: DisposableDeps | undefined;
  const program = buildProgram({
    deps: () => (deps ??= createCommandDeps(context, globals)),
    version: context.version,
    io: context.io,
    onGlobals: (parsed) => {
      globals = parsed;
    },
  });
  try {
    await program.parseAsync([...context.argv], { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, { io: context.io, debug: globals.debug === true });
  } finally {
    // A failure to close idle connections must not change the outcome of the command.
    await deps?.dispose().catch(() => undefined);
  }
}
