import { Text, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';

import { type Theme, tone } from './theme.js';

export interface TextPromptProps {
  label: string;
  /** Shows a bullet per character instead of the text: passwords and tokens. */
  mask?: boolean;
  /** Returns why the answer is not acceptable, or `undefined` to accept it. */
  validate?: (value: string) => string | undefined;
  onSubmit: (value: string) => void;
  onCancel: () => void;
  theme: Theme;
}

type Outcome = { kind: 'submitted'; value: string } | { kind: 'cancelled' };

/** One line of input. Enter submits; Ctrl-C and Escape cancel. */
export function TextPrompt({ label, mask = false, validate, onSubmit, onCancel, theme }: TextPromptProps) {
  const { exit } = useApp();
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<Outcome | undefined>();

  // Report and unmount only after the answered state has been drawn, so it is what stays on the screen.
  useEffect(() => {
    if (outcome === undefined) {
      return;
    }
    if (outcome.kind === 'submitted') {
      onSubmit(outcome.value);
    } else {
      onCancel();
    }
    exit();
  }, [outcome, onSubmit, onCancel, exit]);

  useInput(
    (input, key) => {
      if ((key.ctrl && input === 'c') || key.escape) {
        setOutcome({ kind: 'cancelled' });
        return;
      }
      // Enter alone is `key.return`; pasted text ending in a newline arrives as one chunk and submits too.
      const newline = input.search(/[\r\n]/);
      if (key.return || newline >= 0) {
        const answer = newline > 0 ? value + input.slice(0, newline) : value;
        const reason = validate?.(answer);
        setValue(answer);
        setProblem(reason);
        if (reason === undefined) {
          setOutcome({ kind: 'submitted', value: answer });
        }
        return;
      }
      if (key.backspace || key.delete) {
        setValue((current) => [...current].slice(0, -1).join(''));
        return;
      }
      if (input !== '' && !key.ctrl && !key.meta) {
        setValue((current) => current + input);
      }
    },
    { isActive: outcome === undefined },
  );

  const shown = mask ? '•'.repeat([...value].length) : value;
  return (
    <Text>
      <Text {...tone(theme, 'heading')}>{label}</Text> {shown}
      {outcome === undefined ? '▏' : ''}
      {problem === undefined ? '' : '\n'}
      {problem === undefined ? null : <Text {...tone(theme, 'danger')}>{problem}</Text>}
    </Text>
  );
}
