import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import { createElement as h } from 'react';

export const lab = Lab.script();
const { describe, it, before } = lab;

// Ink is ESM with top-level await, which lab's require() cannot load: import it, and what uses it, dynamically.
let render: typeof import('ink-testing-library').render;
let Spinner: typeof import('../../../cli/ui/spinner.js').Spinner;

before(async () => {
  ({ render } = await import('ink-testing-library'));
  ({ Spinner } = await import('../../../cli/ui/spinner.js'));
});

const plain = { color: false };

describe('the spinner', () => {
  it('animates next to its label', async () => {
    const { frames, unmount } = render(h(Spinner, { label: 'Fetching your cart…', theme: plain }));

    await sleep(200);
    unmount();

    const distinct = new Set(frames.filter((frame) => frame.endsWith(' Fetching your cart…')));
    expect(distinct.size).to.be.above(1);
  });
});

/**
 * What a terminal would show after `written`: the few things Ink writes to redraw in place — newline, carriage return,
 * cursor up (ESC[nA) and to the first column (ESC[G), erase line (ESC[2K) — with colours and cursor visibility ignored.
 */
function screenAfter(written: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let column = 0;
  for (const token of written.match(/\u001b\[[0-9;?]*[A-Za-z]|\r|\n|[^\u001b\r\n]+/g) ?? []) {
    const sequence = /^\u001b\[([0-9;?]*)([A-Za-z])$/.exec(token);
    if (token === '\n') {
      row += 1;
      column = 0;
      lines[row] ??= '';
    } else if (token === '\r') {
      column = 0;
    } else if (sequence?.[2] === 'A') {
      row = Math.max(0, row - Number(sequence[1] || 1));
    } else if (sequence?.[2] === 'G') {
      column = 0;
    } else if (sequence?.[2] === 'K' && sequence[1] === '2') {
      lines[row] = '';
    } else if (sequence === null) {
      const line = lines[row] ?? '';
      lines[row] = `${line.slice(0, column).padEnd(column)}${token}${line.slice(column + token.length)}`;
      column += token.length;
    }
  }
  return lines;
}

describe('a spinner taken off the screen', () => {
  it('leaves every line drawn before it, however soon another spinner follows', async () => {
    const { PassThrough } = await import('node:stream');
    const { showSpinner } = await import('../../../cli/ui/index.js');
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 80, rows: 24 });
    let written = '';
    terminal.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
    const streams = { stdin: Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined }), stderr: terminal };

    terminal.write('Email: ada@example.com\nRepeat it: ••••\n');
    for (const label of ['Creating your account…', 'Logging in…']) {
      const spinner = showSpinner(streams, label, plain);
      await sleep(250);
      spinner.stop();
    }
    terminal.write('Registered.\n');
    await sleep(10);

    expect(screenAfter(written)).to.equal(['Email: ada@example.com', 'Repeat it: ••••', 'Registered.', '']);
  });
});
