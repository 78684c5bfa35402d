import { Text } from 'ink';

import { sanitize } from '../format.js';
import { type Theme, tone } from './theme.js';

/** What a progress bar shows. */
export interface ProgressState {
  title: string;
  done: number;
  total: number;
  /** The step just finished, e.g. "cart add MUG-BLUE 2". */
  label: string;
}

export interface ProgressBarProps extends ProgressState {
  theme: Theme;
}

const WIDTH = 24;

/** `████████░░░░░░░░  3/8  Sending queued changes — cart add MUG-BLUE 2` */
export function ProgressBar({ title, done, total, label, theme }: ProgressBarProps) {
  const filled = total === 0 ? 0 : Math.min(WIDTH, Math.round((WIDTH * done) / total));
  return (
    <Text wrap="truncate-end">
      <Text {...tone(theme, 'accent')}>{'█'.repeat(filled)}</Text>
      <Text {...tone(theme, 'muted')}>{'░'.repeat(WIDTH - filled)}</Text>
      {`  ${done}/${total}  ${title}`}
      {label === '' ? '' : <Text {...tone(theme, 'muted')}>{` — ${sanitize(label)}`}</Text>}
    </Text>
  );
}
