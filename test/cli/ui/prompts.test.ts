import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import { createElement as h } from 'react';

export const lab = Lab.script();
const { describe, it, before } = lab;

// Ink is ESM with top-level await, which lab's require() cannot load: import it, and what uses it, dynamically.
let render: typeof import('ink-testing-library').render;
let ConfirmPrompt: typeof import('../../../cli/ui/confirm-prompt.js').ConfirmPrompt;
let Spinner: typeof import('../../../cli/ui/spinner.js').Spinner;
let TextPrompt: typeof import('../../../cli/ui/text-prompt.js').TextPrompt;

before(async () => {
  ({ render } = await import('ink-testing-library'));
  ({ ConfirmPrompt } = await import('../../../cli/ui/confirm-prompt.js'));
  ({ Spinner } = await import('../../../cli/ui/spinner.js'));
  ({ TextPrompt } = await import('../../../cli/ui/text-prompt.js'));
});

const plain = { color: false };
/** Lets Ink attach its input handler, and React commit what the last keystroke changed. */
const tick = () => sleep(30);

describe('the text prompt', () => {
  it('masks what is typed with one bullet per character', async () => {
    const { stdin, lastFrame } = render(
      h(TextPrompt, { label: 'Password:', mask: true, theme: plain, onSubmit: () => undefined, onCancel: () => undefined }),
    );
    await tick();

    stdin.write('hunter2');
    await tick();

    expect(lastFrame()).to.equal('Password: •••••••▏');
    expect(lastFrame()).to.not.contain('hunter2');
  });

  it('submits what was typed on Enter, after backspace took a character back', async () => {
    const submitted: string[] = [];
    const { stdin, lastFrame } = render(
      h(TextPrompt, { label: 'Email:', theme: plain, onSubmit: (value: string) => submitted.push(value), onCancel: () => undefined }),
    );
    await tick();

    stdin.write('ada@example.comm');
    await tick();
    stdin.write('\u007f');
    await tick();
    stdin.write('\r');
    await tick();

    expect(submitted).to.equal(['ada@example.com']);
    expect(lastFrame()).to.equal('Email: ada@example.com');
  });

  it('submits a pasted line that ends with a newline', async () => {
    const submitted: string[] = [];
    const { stdin } = render(
      h(TextPrompt, { label: 'Token:', mask: true, theme: plain, onSubmit: (value: string) => submitted.push(value), onCancel: () => undefined }),
    );
    await tick();

    stdin.write('eyJ.abc.def\n');
    await tick();

    expect(submitted).to.equal(['eyJ.abc.def']);
  });

  it('shows why an answer is refused and keeps asking', async () => {
    const submitted: string[] = [];
    const { stdin, lastFrame } = render(
      h(TextPrompt, {
        label: 'Choose a password:',
        mask: true,
        theme: plain,
        validate: (value: string) => (value.length < 8 ? 'a password has 8 to 256 characters' : undefined),
        onSubmit: (value: string) => submitted.push(value),
        onCancel: () => undefined,
      }),
    );
    await tick();

    stdin.write('short');
    await tick();
    stdin.write('\r');
    await tick();

    expect(submitted).to.equal([]);
    expect(lastFrame()).to.equal('Choose a password: •••••▏\na password has 8 to 256 characters');
  });

  it('cancels on Ctrl-C', async () => {
    let cancelled = false;
    const { stdin } = render(
      h(TextPrompt, { label: 'Password:', mask: true, theme: plain, onSubmit: () => undefined, onCancel: () => (cancelled = true) }),
    );
    await tick();

    stdin.write('\u0003');
    await tick();

    expect(cancelled).to.be.true();
  });
});

describe('the confirmation prompt', () => {
  it('confirms only on "y"', async () => {
    const answers: boolean[] = [];
    const yes = render(h(ConfirmPrompt, { question: 'Clear?', theme: plain, onAnswer: (value: boolean) => answers.push(value), onCancel: () => undefined }));
    const no = render(h(ConfirmPrompt, { question: 'Clear?', theme: plain, onAnswer: (value: boolean) => answers.push(value), onCancel: () => undefined }));
    await tick();

    yes.stdin.write('Y');
    no.stdin.write('\r');
    await tick();

    expect(answers).to.equal([true, false]);
    expect(yes.lastFrame()).to.equal('Clear? (y/N) yes');
    expect(no.lastFrame()).to.equal('Clear? (y/N) no');
  });
});

describe('the spinner', () => {
  it('animates next to its label', async () => {
    const { frames, unmount } = render(h(Spinner, { label: 'Fetching your cart…', theme: plain }));

    await sleep(200);
    unmount();

    const distinct = new Set(frames.filter((frame) => frame.endsWith(' Fetching your cart…')));
    expect(distinct.size).to.be.above(1);
  });
});
