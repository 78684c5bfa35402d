/**
 * The Ink side of the CLI. cli/output.ts and cli/prompts.ts import this module dynamically, and only to draw on a
 * terminal: Ink and React take ~250 ms to load, which scripts and pipes must never pay.
 */
import type { Readable, Writable } from 'node:stream';

import { render, renderToString } from 'ink';
import { createElement, Fragment, type ReactElement } from 'react';

import { ProgressBar, type ProgressState } from './progress-bar.js';
import { Spinner } from './spinner.js';
import type { Theme } from './theme.js';

export { CartView } from './cart-view.js';
export { KeyValueView, type KeyValueEntry } from './key-value-view.js';
export { ProductsView, ProductView } from './products-view.js';
export type { ProgressState } from './progress-bar.js';
export { QueueView } from './queue-view.js';
export type { Theme } from './theme.js';
export { createElement as h };

/** The streams Ink draws through: stderr for spinners and progress, so stdout stays data. */
export interface PromptStreams {
  stdin: Readable;
  stderr: Writable;
}

/** Draws a view once, as text, to be written to stdout; no cursor movement, no listeners left behind. */
export function renderStatic(element: ReactElement, columns: number | undefined): string {
  // A pty without a size (CI, `script`) reports 0 columns; lay out for a classic terminal then.
  return renderToString(element, { columns: columns !== undefined && columns > 0 ? columns : 80 });
}

/** Shows a spinner on stderr until `stop` is called, which also erases it; `update` changes its label. */
export function showSpinner(streams: PromptStreams, label: string, theme: Theme): { update(label: string): void; stop(): void } {
  const instance = render(createElement(Spinner, { label, theme }), {
    ...inkStreams(streams),
    patchConsole: false,
    exitOnCtrlC: false,
  });
  return {
    update: (next) => instance.rerender(createElement(Spinner, { label: next, theme })),
    stop: () => erase(instance, streams.stderr),
  };
}

/** A progress bar on stderr, redrawn in place by `update`; `stop` erases it. */
export function showProgress(
  streams: PromptStreams,
  state: ProgressState,
  theme: Theme,
): { update(state: ProgressState): void; stop(): void } {
  const instance = render(createElement(ProgressBar, { ...state, theme }), {
    ...inkStreams(streams),
    patchConsole: false,
    exitOnCtrlC: false,
  });
  return {
    update: (next) => instance.rerender(createElement(ProgressBar, { ...next, theme })),
    stop: () => erase(instance, streams.stderr),
  };
}

/**
 * Takes a spinner or bar off the screen for good. Ink draws the last frame again as it unmounts, and keeps it: so the
 * last frame is made empty first. That empty frame still ends in a newline, leaving a blank line where the spinner was,
 * which is taken back here. (`clear()` cannot do it: Ink throttles renders, and an empty frame drawn after `clear()`
 * erased the line above the spinner — the "Repeat it:" of `shop register`.)
 */
function erase(instance: ReturnType<typeof render>, stream: Writable): void {
  instance.rerender(createElement(Fragment));
  instance.unmount();
  stream.write('\u001b[1A\u001b[2K');
}

/**
 * Ink's types ask for process-style TTY streams; it only uses their stream methods plus `isTTY`, `columns` and
 * `setRawMode`, which the real terminal streams (and the test doubles) have.
 */
function inkStreams(streams: PromptStreams) {
  return {
    stdin: streams.stdin as NodeJS.ReadStream,
    stdout: streams.stderr as NodeJS.WriteStream,
    stderr: streams.stderr as NodeJS.WriteStream,
  };
}
