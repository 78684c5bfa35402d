import { CommanderError } from 'commander';

import { ApiError, AuthenticationError, ServerUnreachableError } from './api/errors.js';
import { ExitCode, UserError } from './errors.js';
import type { Io } from './io.js';

/** Commander "errors" that are really help or version output, finished successfully. */
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Turns whatever a command threw into a message on stderr and an exit code. Expected failures get one line, with
 * the server's code when it sent one; anything else is a bug, and shows its stack only with `--debug`.
 */
export function reportError(error: unknown, { io, debug }: { io: Io; debug: boolean }): ExitCode {
  const say = (line: string) => io.stderr.write(`shop: ${line}\n`);

  if (error instanceof CommanderError) {
    // Commander has already written its message (or the help) through configureOutput.
    return COMMANDER_SUCCESS.has(error.code) ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof UserError) {
    say(error.message);
    return error.exitCode;
  }
  if (error instanceof AuthenticationError) {
    say(describeAuthFailure(error));
    return ExitCode.authRequired;
  }
  if (error instanceof ServerUnreachableError) {
    // Commands that can work offline have queued or read the saved copy already; reaching here means this one could not.
    say(error.message);
    showStack(io, error, debug);
    return ExitCode.unreachable;
  }
  if (error instanceof ApiError) {
    const code = error.code === undefined ? '' : ` (${error.code})`;
    const retry = error.retryAfterSeconds === undefined ? '' : `; try again in ${error.retryAfterSeconds} s`;
    say(`${error.message}${code}${retry}`);
    if (debug && error.requestId !== undefined) {
      io.stderr.write(`request id: ${error.requestId}\n`);
    }
    // One rule, as the README's table says: the server answering 401 or 403 is exit 4, a wrong password included.
    return error.status === 401 || error.status === 403 ? ExitCode.authRequired : ExitCode.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  say(`unexpected error: ${message}${debug ? '' : ' (run with --debug for details)'}`);
  showStack(io, error, debug);
  return ExitCode.failure;
}

function describeAuthFailure(error: AuthenticationError): string {
  const reason = error.code === undefined ? error.message : `${error.message} (${error.code})`;
  if (error.fromEnv) {
    return `the server rejected SHOP_TOKEN: ${reason}; set a valid token, or unset SHOP_TOKEN and run \`shop login\``;
  }
  if (error.code === 'GUEST_EXPIRED') {
    return `${reason}; \`shop cart add\` starts a new guest cart, or run \`shop login\``;
  }
  return `${reason}; run \`shop login\``;
}

function showStack(io: Io, error: unknown, debug: boolean): void {
  if (debug && error instanceof Error && error.stack !== undefined) {
    io.stderr.write(`${error.stack}\n`);
  }
}
