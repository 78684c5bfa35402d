import { Text } from 'ink';
import { useEffect, useState } from 'react';

import { type Theme, tone } from './theme.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;

export interface SpinnerProps {
  label: string;
  theme: Theme;
}

/** Shows that `shop` is waiting on the server. */
export function Spinner({ label, theme }: SpinnerProps) {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((current) => (current + 1) % FRAMES.length), FRAME_MS);
    return () => clearInterval(timer);
  }, []);
  return (
    <Text>
      <Text {...tone(theme, 'accent')}>{FRAMES[frame]}</Text> {label}
    </Text>
  );
}
