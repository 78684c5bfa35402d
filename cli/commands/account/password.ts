import { Command } from 'commander';

import { credentialsFromPair } from '../../api/session.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { ExitCode, GUEST_HINT, UserError, usageError } from '../../errors.js';
import { readAll } from '../../io.js';
import { requireAccount } from '../../offline/accounts.js';
import { passwordChangedView } from '../../views/account.js';
import { passwordProblem } from '../auth/credentials-input.js';

export interface AccountPasswordOptions {
  deps: CommandDeps;
  passwordStdin: boolean;
}

interface PasswordChange {
  current: string;
  next: string;
}

export function accountPasswordCommand(deps: DepsProvider): Command {
  return new Command('password')
    .description('change your password; every other login of the account is logged out, this one stays')
    .option('--password-stdin', 'read two lines from stdin: the current password, then the new one')
    .action((options: { passwordStdin?: boolean }) => accountPasswordRun({ deps: deps(), passwordStdin: options.passwordStdin === true }));
}

export async function accountPasswordRun({ deps, passwordStdin }: AccountPasswordOptions): Promise<void> {
  const server = deps.server().url;
  // Not logged in: say so (exit 4) before asking for anything.
  const account = requireAccount({ server, config: deps.config, envToken: deps.envToken });
  const change = passwordStdin && !deps.io.stdinIsTTY ? await fromStdin(deps) : await fromPrompts(deps);
  const problem = passwordProblem(change.next);
  if (problem !== undefined) {
    throw new UserError(`the new password is refused: ${problem}; nothing was changed`);
  }
  if (change.next === change.current) {
    throw new UserError('the new password is the same as the current one; nothing was changed');
  }
  const email = account.email ?? (await deps.api().me()).email;
  if (email === null) {
    throw new UserError(GUEST_HINT, ExitCode.authRequired);
  }
  const pair = await deps.output.waitFor('Changing your password…', deps.api().changePassword(change.current, change.next));
  await deps.config.saveCredentials(server, credentialsFromPair(email, pair, deps.now()));

  await deps.output.info(`Changed the password of ${email} on ${server}. Every other login of the account was logged out; this one stays logged in.`);
  if (deps.envToken !== undefined) {
    await deps.output.info('SHOP_TOKEN was logged out too: unset it, and this machine uses the new login.');
  }
  await deps.output.show(passwordChangedView, { server, email });
}

/** Two lines, current then new, as `printf '%s\n%s\n' "$OLD" "$NEW" | shop account password --password-stdin`. */
async function fromStdin(deps: CommandDeps): Promise<PasswordChange> {
  const lines = (await readAll(deps.io.stdin)).replace(/\r?\n$/, '').split(/\r?\n/);
  const [current, next] = lines;
  if (lines.length !== 2 || current === undefined || next === undefined || current === '' || next === '') {
    throw usageError('--password-stdin: pipe exactly two lines, the current password and then the new one');
  }
  return { current, next };
}

async function fromPrompts(deps: CommandDeps): Promise<PasswordChange> {
  if (!deps.prompt.interactive) {
    throw usageError('passwords are needed: pipe the current and the new one on two lines with --password-stdin (never as arguments)');
  }
  const current = await deps.prompt.secret('Current password:', (value) => (value === '' ? 'enter your current password' : undefined));
  // Two answers that differ are a typo, not a reason to start the whole command again (as `shop register`).
  for (;;) {
    const next = await deps.prompt.secret('New password:', passwordProblem);
    if ((await deps.prompt.secret('Repeat the new password:')) === next) {
      return { current, next };
    }
    await deps.output.info('the new passwords do not match; choose one again');
  }
}
