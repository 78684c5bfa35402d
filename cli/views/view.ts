/**
 * How a kind of data is shown. Its own module, below both cli/output.ts (which picks a form) and cli/ui (which draws
 * the terminal form), so neither imports the other's dependants.
 */
import type { ReactElement } from 'react';

import type { Theme } from '../ui/theme.js';

/** The Ink module, loaded on demand. A type only: importing it here loads nothing. */
export type Ui = typeof import('../ui/index.js');

/** One cell of a tab-separated line. */
export type Cell = string | number | boolean | null;

/** How one kind of data is shown, three ways. cli/output.ts picks which. */
export interface View<T> {
  /** The document printed with `--json`. */
  json(data: T): unknown;
  /** Lines of stable tab-separated columns, for pipes. */
  plain(data: T): readonly (readonly Cell[])[];
  /** For a terminal, when one line of text says it all: no Ink needed. */
  text?(data: T): string;
  /** For a terminal: an Ink element built from the lazily loaded ui module. */
  ink?(data: T, ui: Ui, theme: Theme): ReactElement;
}

/** How each step of a long job (a sync) is reported as it finishes. */
export interface StepView<T> {
  /** A line of tab-separated cells, for pipes. */
  plain(step: T): readonly Cell[];
  /** A line for a terminal. */
  text(step: T): string;
  /** What the progress bar names as the step just done. */
  label(step: T): string;
}
