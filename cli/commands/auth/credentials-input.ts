import { EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../shared/limits.js';
import type { CommandDeps } from '../../deps.js';
import { UserError, usageError } from '../../errors.js';
import { readSecret } from '../../io.js';

/** The email from `--email`, or asked for on a terminal. */
export async function readEmail(deps: CommandDeps, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    const problem = emailProblem(given.trim());
    if (problem !== undefined) {
      throw usageError(`--email: ${problem}`);
    }
    return given.trim();
  }
  if (!deps.prompt.interactive) {
    throw usageError('--email is required when not running on a terminal');
  }
  return (await deps.prompt.text('Email:', (value) => emailProblem(value.trim()))).trim();
}

/**
 * The password, from stdin with `--password-stdin` or from a masked prompt. Never from an argument or flag: those
 * end up in shell history and in `ps` output.
 */
export async function readPassword(
  deps: CommandDeps,
  { fromStdin, choosing }: { fromStdin: boolean; choosing: boolean },
): Promise<string> {
  const validate = choosing ? passwordProblem : (value: string) => (value === '' ? 'enter your password' : undefined);
  if (fromStdin && !deps.io.stdinIsTTY) {
    const password = await readSecret(deps.io.stdin);
    if (password === '') {
      throw usageError('--password-stdin: nothing was piped on stdin');
    }
    const problem = validate(password);
    if (problem !== undefined) {
      throw new UserError(problem);
    }
    return password;
  }
  if (!deps.prompt.interactive) {
    throw usageError(
      'a password is needed: pipe it in with --password-stdin (passwords are never taken from arguments)',
    );
  }
  if (!choosing) {
    return deps.prompt.secret('Password:', validate);
  }
  // Two answers that differ are a typo, not a reason to start the whole command again.
  for (;;) {
    const password = await deps.prompt.secret('Choose a password:', validate);
    if ((await deps.prompt.secret('Repeat it:')) === password) {
      return password;
    }
    await deps.output.info('the passwords do not match; choose one again');
  }
}

function emailProblem(email: string): string | undefined {
  if (email.length === 0 || email.length > EMAIL_MAX_LENGTH || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    return 'enter an email address such as ada@example.com';
  }
  return undefined;
}

/** Why a new password would be refused (the server's length rule), or `undefined`. */
export function passwordProblem(password: string): string | undefined {
  // UTF-16 units, as the server (joi) counts them.
  const length = password.length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return `a password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
  }
  return undefined;
}
