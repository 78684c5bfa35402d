/**
 * One line of input being edited, as pure state: what readline-style keys do to it. cli/prompts.ts feeds it the keys
 * decoded from a raw-mode terminal and draws the result; keeping the editing rules here makes them testable without a
 * terminal.
 */

/** A key as node:readline's `emitKeypressEvents` decodes it. */
export interface KeyPress {
  /** The characters the key produced, when it produced text. */
  sequence?: string;
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
}

export interface LineState {
  /** The text as code points, so a cursor never splits a character. */
  chars: readonly string[];
  /** Index into `chars`: the cursor sits before `chars[cursor]`. */
  cursor: number;
}

export type KeyOutcome =
  | { kind: 'edit'; state: LineState }
  | { kind: 'submit'; value: string }
  /** Ctrl-C, Escape, or Ctrl-D on an empty line. */
  | { kind: 'cancel' }
  /** A key with no meaning here: nothing changes. */
  | { kind: 'ignore' };

export const EMPTY_LINE: LineState = { chars: [], cursor: 0 };

/** What one key does: Backspace, Delete, Ctrl-U, Ctrl-K, Ctrl-W, ←/→, Home/End (and Ctrl-A/Ctrl-E), Enter. */
export function applyKey(state: LineState, key: KeyPress): KeyOutcome {
  const { chars, cursor } = state;
  const edit = (next: readonly string[], at: number): KeyOutcome => ({ kind: 'edit', state: { chars: next, cursor: at } });

  if (key.name === 'return' || key.name === 'enter') {
    return { kind: 'submit', value: chars.join('') };
  }
  if (key.name === 'escape' || (key.ctrl === true && key.name === 'c')) {
    return { kind: 'cancel' };
  }
  if (key.ctrl === true) {
    switch (key.name) {
      case 'd':
        return chars.length === 0 ? { kind: 'cancel' } : deleteForward(state);
      case 'u':
        return edit(chars.slice(cursor), 0);
      case 'k':
        return edit(chars.slice(0, cursor), cursor);
      case 'w': {
        const start = previousWordStart(chars, cursor);
        return edit([...chars.slice(0, start), ...chars.slice(cursor)], start);
      }
      case 'a':
        return edit(chars, 0);
      case 'e':
        return edit(chars, chars.length);
      case 'b':
        return edit(chars, Math.max(0, cursor - 1));
      case 'f':
        return edit(chars, Math.min(chars.length, cursor + 1));
      case 'h':
        return backspace(state);
      default:
        return { kind: 'ignore' };
    }
  }
  switch (key.name) {
    case 'backspace':
      return backspace(state);
    case 'delete':
      return deleteForward(state);
    case 'left':
      return edit(chars, Math.max(0, cursor - 1));
    case 'right':
      return edit(chars, Math.min(chars.length, cursor + 1));
    case 'home':
      return edit(chars, 0);
    case 'end':
      return edit(chars, chars.length);
    default:
      break;
  }
  const text = key.sequence ?? '';
  // Anything else that is not printable (function keys, arrows up/down, stray escape sequences) is ignored.
  if (key.meta === true || text === '' || /[\u0000-\u001f\u007f]/.test(text)) {
    return { kind: 'ignore' };
  }
  const typed = [...text];
  return edit([...chars.slice(0, cursor), ...typed, ...chars.slice(cursor)], cursor + typed.length);
}

function backspace({ chars, cursor }: LineState): KeyOutcome {
  if (cursor === 0) {
    return { kind: 'ignore' };
  }
  return { kind: 'edit', state: { chars: [...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor: cursor - 1 } };
}

function deleteForward({ chars, cursor }: LineState): KeyOutcome {
  if (cursor >= chars.length) {
    return { kind: 'ignore' };
  }
  return { kind: 'edit', state: { chars: [...chars.slice(0, cursor), ...chars.slice(cursor + 1)], cursor } };
}

/** Where Ctrl-W stops: back over spaces, then back over the word before them (as a shell does). */
function previousWordStart(chars: readonly string[], cursor: number): number {
  let at = cursor;
  while (at > 0 && /\s/.test(chars[at - 1] ?? '')) {
    at -= 1;
  }
  while (at > 0 && !/\s/.test(chars[at - 1] ?? '')) {
    at -= 1;
  }
  return at;
}

/**
 * How a yes/no answer reads: y, yes, n, no in any case; an empty line takes the default. `undefined` for anything
 * else, so the question is asked again.
 */
export function parseYesNo(answer: string, defaultAnswer: boolean): boolean | undefined {
  const word = answer.trim().toLowerCase();
  if (word === '') {
    return defaultAnswer;
  }
  if (word === 'y' || word === 'yes') {
    return true;
  }
  if (word === 'n' || word === 'no') {
    return false;
  }
  return undefined;
}
