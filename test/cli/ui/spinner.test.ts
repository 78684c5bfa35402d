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
