/** Exit codes are part of the CLI's interface: scripts branch on them, so they are documented and never reused. */
export const ExitCode = {
  ok: 0,
  /** The request failed: the server said no, could not be reached, or something broke. */
  failure: 1,
  /** The command line itself is wrong: unknown command, bad argument, missing flag. */
  usage: 2,
  /**
   * The server could not be reached and the command could not do without it — `--online` was given, or the command
   * never queues (register, login, sync) — so nothing was changed or queued. Try again later.
   */
  unreachable: 3,
  /** No valid credentials: run `shop login`. */
  authRequired: 4,
  /** The user pressed Ctrl-C at a prompt (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An expected failure with a message written for the person at the terminal. It is printed without a stack trace,
 * and the process exits with `exitCode`.
 */
export class UserError extends Error {
  override readonly name = 'UserError';

  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
  ) {
    super(message);
  }
}

/** A usage error found after commander parsed the line, e.g. a missing `--yes` or `--password-stdin`. */
export function usageError(message: string): UserError {
  return new UserError(message, ExitCode.usage);
}

/** What a guest is told when it asks for what only an account may do (exit 4, as for any missing login). */
export const GUEST_HINT = 'you are shopping as a guest: `shop register` or `shop login` first (your cart comes along)';
