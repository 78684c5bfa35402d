import { ExitCode, UserError, usageError } from './errors.js';
import { canPrompt, type Io } from './io.js';
import type { Ui } from './output.js';
import type { Theme } from './ui/theme.js';

/** Questions for the person at the terminal, drawn with Ink on stderr. */
export interface Prompter {
  /** Whether anyone can answer: stdin and stdout are both terminals. */
  readonly interactive: boolean;
  text(label: string, validate?: (value: string) => string | undefined): Promise<string>;
  /** Typed text is masked; for passwords and tokens. */
  secret(label: string, validate?: (value: string) => string | undefined): Promise<string>;
  confirm(question: string): Promise<boolean>;
}

export function createPrompter(io: Io, theme: Theme, loadUi: () => Promise<Ui>): Prompter {
  const interactive = canPrompt(io);
  const ready = async (): Promise<Ui> => {
    if (!interactive) {
      // Commands check `interactive` first and explain the flag to use; reaching here is a bug in that check.
      throw usageError('cannot prompt: stdin and stdout must be a terminal');
    }
    return loadUi();
  };
  return {
    interactive,
    async text(label, validate) {
      return answered(await (await ready()).askText(io, { label, validate, theme }));
    },
    async secret(label, validate) {
      return answered(await (await ready()).askText(io, { label, validate, theme, mask: true }));
    },
    async confirm(question) {
      return answered(await (await ready()).askConfirm(io, question, theme));
    },
  };
}

/** A prompt left with Ctrl-C or Escape ends the command, as Ctrl-C would anywhere else. */
function answered<T>(answer: T | undefined): T {
  if (answer === undefined) {
    throw new UserError('cancelled', ExitCode.interrupted);
  }
  return answer;
}
