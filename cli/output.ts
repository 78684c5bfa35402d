import type { Env, Io } from './io.js';
import { write } from './io.js';
import { sanitize } from './format.js';
import type { Theme } from './ui/theme.js';
import type { Cell, StepView, Ui, View } from './views/view.js';


/** Reports the steps of one job; see {@link Output.progress}. */
export interface Progress<T> {
  start(total: number): void;
  step(step: T, done: number, total: number): Promise<void>;
  /** Takes the progress bar down, and on a terminal prints the steps. */
  finish(): Promise<void>;
}

export type OutputMode = 'json' | 'tty' | 'plain';

export interface OutputChoice {
  mode: OutputMode;
  /** Colour and other text styling. */
  color: boolean;
  /** Spinners, which move the cursor on stderr. */
  animate: boolean;
}

/**
 * The one place that decides how output looks. `--json` wins; otherwise a terminal on stdout gets Ink views and
 * anything else plain lines. Colour needs a terminal and is turned off by `--no-color`, a non-empty `NO_COLOR`
 * (no-color.org) and `TERM=dumb`.
 */
export function chooseOutput(io: Io, env: Env, flags: { json: boolean; color: boolean }): OutputChoice {
  const mode: OutputMode = flags.json ? 'json' : io.stdoutIsTTY ? 'tty' : 'plain';
  const dumb = env.TERM === 'dumb';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    mode,
    color: mode === 'tty' && flags.color && !noColor && !dumb,
    animate: mode === 'tty' && io.stderrIsTTY && !dumb,
  };
}

/** How long a request may take before a spinner appears; quicker answers should not flash one. */
const SPINNER_DELAY_MS = 150;

/** Writes data to stdout and messages to stderr, in the form {@link chooseOutput} picked. */
export class Output {
  readonly mode: OutputMode;
  private styled: Theme | undefined;
  /** What the spinner adds while a request is being retried. */
  private retryNote: string | undefined;
  private onRetryNote: (() => void) | undefined;

  /** `locale`: asked once, the first time a terminal view is drawn (it may read the saved preferences). */
  constructor(
    private readonly io: Io,
    private readonly choice: OutputChoice,
    private readonly loadUi: () => Promise<Ui>,
    /** ms since the epoch; times for people are told relative to it. */
    readonly now: () => number = Date.now,
    private readonly locale: () => string | undefined = () => undefined,
  ) {
    this.mode = choice.mode;
  }

  /** Colour, and at a terminal the locale of money, numbers and times; pipes and JSON never get one. */
  get theme(): Theme {
    return (this.styled ??= { color: this.choice.color, locale: this.mode === 'tty' ? this.locale() : undefined });
  }

  async show<T>(view: View<T>, data: T): Promise<void> {
    if (this.mode === 'json') {
      await this.json(view.json(data));
      return;
    }
    if (this.mode === 'plain') {
      await this.rows(view.plain(data));
      return;
    }
    if (view.text !== undefined) {
      await write(this.io.stdout, `${view.text(data)}\n`);
      return;
    }
    if (view.ink !== undefined) {
      const ui = await this.loadUi();
      await write(this.io.stdout, `${ui.renderStatic(view.ink(data, ui, this.theme), this.io.columns)}\n`);
      return;
    }
    await this.rows(view.plain(data));
  }

  /** Exactly one JSON document. */
  async json(document: unknown): Promise<void> {
    await write(this.io.stdout, `${JSON.stringify(document, null, 2)}\n`);
  }

  /** A message for the person, never for a pipe: stderr, whatever the mode. */
  async info(message: string): Promise<void> {
    await write(this.io.stderr, `${message}\n`);
  }

  /**
   * Waits for `work`, with a spinner on stderr once it has taken a moment. On a terminal Ink starts loading at once,
   * in parallel with the request, since the answer will be drawn with it anyway.
   */
  async waitFor<T>(label: string, work: Promise<T>): Promise<T> {
    if (!this.choice.animate) {
      return work;
    }
    const ui = this.loadUi();
    let spinner: { update(label: string): void; stop(): void } | undefined;
    let settled = false;
    const labelled = () => (this.retryNote === undefined ? label : `${label} ${this.retryNote}`);
    this.onRetryNote = () => spinner?.update(labelled());
    const timer = setTimeout(() => {
      ui.then(
        (loaded) => {
          if (!settled) {
            spinner = loaded.showSpinner(this.io, labelled(), this.theme);
          }
        },
        // No spinner then; drawing the answer will report the failure to load Ink.
        () => undefined,
      );
    }, SPINNER_DELAY_MS);
    try {
      return await work;
    } finally {
      settled = true;
      clearTimeout(timer);
      spinner?.stop();
      this.onRetryNote = undefined;
      this.retryNote = undefined;
    }
  }

  /**
   * A request is being tried again: the spinner says which try and why; without one, a terminal on stderr gets a
   * line. Pipes and scripts hear nothing (the final outcome is what they need).
   */
  retrying(attempt: number, attempts: number, reason: string, server: string): void {
    this.retryNote = `(try ${attempt} of ${attempts}: ${reason} from ${server})`;
    if (this.onRetryNote !== undefined) {
      this.onRetryNote();
    } else if (this.io.stderrIsTTY) {
      this.io.stderr.write(`${reason} from ${server}; try ${attempt} of ${attempts}…\n`);
    }
  }

  /**
   * Reports a job step by step: a line per step as it finishes — tab-separated on a pipe, text on a terminal — and
   * where stderr is a terminal that can animate, an Ink progress bar there instead, with the steps listed at the end.
   * Nothing with `--json`: the document at the end says it all.
   */
  progress<T>(view: StepView<T>, title: string, { verbose = false }: { verbose?: boolean } = {}): Progress<T> {
    const silent: Progress<T> = { start: () => undefined, step: async () => undefined, finish: async () => undefined };
    if (this.mode === 'json') {
      return silent;
    }
    if (this.mode === 'tty' && !this.choice.animate && !verbose) {
      // A terminal that cannot animate gets the summary alone, as after a progress bar.
      return silent;
    }
    if (!this.choice.animate) {
      const line =
        this.mode === 'plain' ? (step: T) => this.rows([view.plain(step)]) : (step: T) => write(this.io.stdout, `${view.text(step)}\n`);
      return { start: () => undefined, step: (step) => line(step), finish: async () => undefined };
    }
    return this.progressBar(view, title, verbose);
  }

  private progressBar<T>(view: StepView<T>, title: string, verbose: boolean): Progress<T> {
    const lines: string[] = [];
    let state = { title, done: 0, total: 0, label: '' };
    let bar: { update(next: typeof state): void; stop(): void } | undefined;
    let finished = false;
    return {
      start: (total) => {
        state = { ...state, total };
        if (total === 0) {
          return;
        }
        this.loadUi().then(
          (ui) => {
            if (!finished) {
              bar = ui.showProgress(this.io, state, this.theme);
            }
          },
          // No bar then; the steps are still listed at the end.
          () => undefined,
        );
      },
      step: async (step, done, total) => {
        lines.push(view.text(step));
        state = { title, done, total, label: view.label(step) };
        bar?.update(state);
      },
      finish: async () => {
        finished = true;
        bar?.stop();
        // The bar showed the progress and the command prints a summary; a line per step only when asked for.
        if (verbose && lines.length > 0) {
          await write(this.io.stdout, `${lines.join('\n')}\n`);
        }
      },
    };
  }

  private async rows(rows: readonly (readonly Cell[])[]): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    const text = rows.map((row) => row.map(cellText).join('\t')).join('\n');
    await write(this.io.stdout, `${text}\n`);
  }
}

function cellText(cell: Cell): string {
  return cell === null ? '' : sanitize(String(cell));
}
