import type { View } from './view.js';

export interface PasswordChanged {
  server: string;
  email: string;
}

/** `shop account password`: nothing on stdout but with `--json`; people get the message on stderr. Never a token. */
export const passwordChangedView: View<PasswordChanged> = {
  json: (result) => ({ ...result, otherLoginsRevoked: true }),
  plain: () => [],
};

export interface AccountDeleted {
  server: string;
  id: string;
  email: string;
  /** Queued or refused changes of the account this machine dropped. */
  droppedChanges: number;
}

/** `shop account delete`: nothing on stdout but with `--json`. */
export const accountDeletedView: View<AccountDeleted> = {
  json: (result) => ({ ...result, deleted: true }),
  plain: () => [],
};
