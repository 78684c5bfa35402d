import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { applyKey, EMPTY_LINE, type KeyPress, type LineState, parseYesNo } from '../../cli/line-editor.js';

export const lab = Lab.script();
const { describe, it } = lab;

/** Types keys one after another and returns the line, or how it ended. */
function type(keys: readonly KeyPress[], start: LineState = EMPTY_LINE): { text: string; cursor: number; ended?: string } {
  let state = start;
  for (const key of keys) {
    const outcome = applyKey(state, key);
    if (outcome.kind === 'submit') {
      return { text: outcome.value, cursor: state.cursor, ended: 'submit' };
    }
    if (outcome.kind === 'cancel') {
      return { text: state.chars.join(''), cursor: state.cursor, ended: 'cancel' };
    }
    if (outcome.kind === 'edit') {
      state = outcome.state;
    }
  }
  return { text: state.chars.join(''), cursor: state.cursor };
}

const chars = (text: string): KeyPress[] => [...text].map((sequence) => ({ sequence, name: sequence.toLowerCase() }));
const key = (name: string, ctrl = false): KeyPress => ({ name, ctrl });

describe('the line editor', () => {
  it('inserts typed text at the cursor after moving left', () => {
    expect(type([...chars('ac'), key('left'), ...chars('b')])).to.equal({ text: 'abc', cursor: 2 });
  });

  it('deletes the character before the cursor on Backspace', () => {
    expect(type([...chars('abcd'), key('backspace')])).to.equal({ text: 'abc', cursor: 3 });
  });

  it('deletes from the start to the cursor on Ctrl-U', () => {
    expect(type([...chars('hello world'), key('left'), key('left'), key('u', true)])).to.equal({ text: 'ld', cursor: 0 });
  });

  it('deletes the word before the cursor on Ctrl-W, with the spaces after it', () => {
    expect(type([...chars('ada lovelace  '), key('w', true)])).to.equal({ text: 'ada ', cursor: 4 });
  });

  it('moves to the start on Home and to the end on End', () => {
    expect(type([...chars('bc'), key('home'), ...chars('a'), key('end'), ...chars('d')])).to.equal({ text: 'abcd', cursor: 4 });
  });

  it('submits the whole line on Enter wherever the cursor is', () => {
    expect(type([...chars('abc'), key('left'), key('return')])).to.include({ text: 'abc', ended: 'submit' });
  });

  it('cancels on Ctrl-C', () => {
    expect(type([...chars('abc'), key('c', true)])).to.include({ ended: 'cancel' });
  });

  it('cancels on Ctrl-D only when the line is empty', () => {
    expect(type([key('d', true)])).to.include({ ended: 'cancel' });
    expect(type([...chars('ab'), key('home'), key('d', true)])).to.equal({ text: 'b', cursor: 0 });
  });

  it('keeps characters outside the BMP whole', () => {
    expect(type([{ sequence: '🛒' }, ...chars('x'), key('backspace'), key('backspace')])).to.equal({ text: '', cursor: 0 });
  });

  it('ignores control characters that are not editing keys', () => {
    expect(type([...chars('a'), { sequence: '\t', name: 'tab' }, { sequence: '\u001b[A', name: 'up' }])).to.equal({ text: 'a', cursor: 1 });
  });
});

describe('a yes/no answer', () => {
  it('accepts y, yes, n and no in any case', () => {
    expect(['y', 'YES', 'Yes', ' yes '].map((word) => parseYesNo(word, false))).to.equal([true, true, true, true]);
    expect(['n', 'NO', 'No'].map((word) => parseYesNo(word, true))).to.equal([false, false, false]);
  });

  it('takes the default on an empty line', () => {
    expect(parseYesNo('', false)).to.equal(false);
  });

  it('has no answer for anything else', () => {
    expect(parseYesNo('yess', false)).to.be.undefined();
    expect(parseYesNo('es', false)).to.be.undefined();
  });
});
