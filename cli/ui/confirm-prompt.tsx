import { Text, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';

import { type Theme, tone } from './theme.js';

export interface ConfirmPromptProps {
  question: string;
  onAnswer: (yes: boolean) => void;
  onCancel: () => void;
  theme: Theme;
}

/** A yes/no question that defaults to no: only `y` confirms. */
export function ConfirmPrompt({ question, onAnswer, onCancel, theme }: ConfirmPromptProps) {
  const { exit } = useApp();
  const [answer, setAnswer] = useState<boolean | 'cancelled' | undefined>();

  // Report and unmount only after the answer has been drawn, so it is what stays on the screen.
  useEffect(() => {
    if (answer === undefined) {
      return;
    }
    if (answer === 'cancelled') {
      onCancel();
    } else {
      onAnswer(answer);
    }
    exit();
  }, [answer, onAnswer, onCancel, exit]);

  useInput(
    (input, key) => {
      if ((key.ctrl && input === 'c') || key.escape) {
        setAnswer('cancelled');
        return;
      }
      setAnswer(input.toLowerCase() === 'y');
    },
    { isActive: answer === undefined },
  );

  return (
    <Text>
      <Text {...tone(theme, 'heading')}>{question}</Text> <Text {...tone(theme, 'muted')}>(y/N)</Text>
      {answer === true ? ' yes' : answer === false ? ' no' : ''}
    </Text>
  );
}
