import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';

import { ExitCode, UserError, usageError } from './errors.js';
import { canPrompt, type Io } from './io.js';
import { applyKey, EMPTY_LINE, type KeyPress, type LineState, parseYesNo } from './line-editor.js';

/** Questions for the person at the terminal, asked on stderr so stdout stays data. */
export interface Prompter {
  /** Whether anyone can answer: stdin and stdout are both terminals. */
  readonly interactive: boolean;
  text(label: string, validate?: (value: string) => string | undefined): Promise<string>;
  /** Typed text is masked; for passwords and tokens. */
  secret(label: string, validate?: (value: string) => string | undefined): Promise<string>;
  /** A yes/no question that defaults to no; asked again until the answer is y, yes, n, no or empty. */
  confirm(question: string): Promise<boolean>;
}

export interface PromptStyle {
  color: boolean;
}

export function createPrompter(io: Io, style: PromptStyle): Prompter {
  const interactive = canPrompt(io);
  let reader: LineReader | undefined;
  const ready = (): LineReader => {
    if (!interactive) {
      // Commands check `interactive` first and explain the flag to use; reaching here is a bug in that check.
      throw usageError('cannot prompt: stdin and stdout must be a terminal');
    }
    return (reader ??= new LineReader(io.stdin, io.stderr, style));
  };
  const ask = async (label: string, mask: boolean, validate?: (value: string) => string | undefined) => {
    const lines = ready();
    for (;;) {
      const answer = answered(await lines.read(label, mask));
      const problem = validate?.(answer);
      if (problem === undefined) {
        return answer;
      }
      lines.say(problem);
    }
  };
  return {
    interactive,
    text: (label, validate) => ask(label, false, validate),
    secret: (label, validate) => ask(label, true, validate),
    async confirm(question) {
      const lines = ready();
      for (;;) {
        const answer = parseYesNo(answered(await lines.read(`${question} (y/N)`, false)), false);
        if (answer !== undefined) {
          return answer;
        }
        lines.say('answer y or n');
      }
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

/**
 * Reads edited lines from a terminal in raw mode. Keys are decoded by node:readline and kept in order: whatever
 * arrives after the Enter that ends one answer — a pasted `email⏎password⏎`, or type-ahead — waits for the next
 * question instead of being dropped. Between questions the terminal is back in cooked mode and stdin is paused, so
 * Ctrl-C interrupts a running request as usual.
 */
class LineReader {
  private readonly pending: KeyPress[] = [];
  private active: ((key: KeyPress) => void) | undefined;
  private attached = false;
  private ended = false;
  /** A pasted `\r\n` is one line end: the `\n` after a `\r` that submitted is dropped. */
  private skipLinefeed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly style: PromptStyle,
  ) {}

  read(label: string, mask: boolean): Promise<string | undefined> {
    this.attach();
    return new Promise((resolve) => {
      let state: LineState = EMPTY_LINE;
      const shownLabel = this.style.color ? `\u001b[1m${label}\u001b[22m` : label;
      const draw = () => {
        const shown = mask ? '•'.repeat(state.chars.length) : state.chars.join('');
        const back = state.chars.length - state.cursor;
        this.output.write(`\r\u001b[2K${shownLabel} ${shown}${back > 0 ? `\u001b[${back}D` : ''}`);
      };
      const finish = (value: string | undefined) => {
        this.active = undefined;
        this.output.write('\n');
        this.setRaw(false);
        this.input.pause();
        resolve(value);
      };
      const handle = (key: KeyPress) => {
        const outcome = applyKey(state, key);
        switch (outcome.kind) {
          case 'edit':
            state = outcome.state;
            draw();
            return;
          case 'submit':
            this.skipLinefeed = key.name === 'return';
            finish(outcome.value);
            return;
          case 'cancel':
            finish(undefined);
            return;
          case 'ignore':
            return;
        }
      };
      this.active = handle;
      this.setRaw(true);
      draw();
      while (this.active === handle && this.pending.length > 0) {
        this.dispatch(this.pending.shift() as KeyPress);
      }
      if (this.active === handle) {
        if (this.ended) {
          finish(undefined);
        } else {
          this.input.resume();
        }
      }
    });
  }

  /** A line under the question, e.g. why an answer was not accepted. */
  say(message: string): void {
    this.output.write(this.style.color ? `\u001b[31m${message}\u001b[39m\n` : `${message}\n`);
  }

  /** node:readline is required here, not at start-up: only a prompt at a terminal needs it. */
  private attach(): void {
    if (this.attached) {
      return;
    }
    this.attached = true;
    const { emitKeypressEvents } = createRequire(import.meta.url)('node:readline') as typeof import('node:readline');
    emitKeypressEvents(this.input);
    this.input.on('keypress', (sequence: string | undefined, key: KeyPress | undefined) => {
      this.dispatch(key ?? { sequence: sequence ?? '' });
    });
    this.input.once('end', () => {
      this.ended = true;
      this.active?.({ name: 'd', ctrl: true });
      // Ctrl-D only cancels an empty line; at the end of input a half-typed answer is cancelled too.
      this.active?.({ name: 'c', ctrl: true });
    });
  }

  private dispatch(key: KeyPress): void {
    if (this.skipLinefeed && key.name === 'enter') {
      this.skipLinefeed = false;
      return;
    }
    this.skipLinefeed = false;
    if (this.active !== undefined) {
      this.active(key);
    } else {
      this.pending.push(key);
    }
  }

  private setRaw(on: boolean): void {
    const terminal = this.input as Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
    if (terminal.isTTY === true) {
      terminal.setRawMode?.(on);
    }
  }
}
