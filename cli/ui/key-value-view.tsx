import { Box, Text } from 'ink';

import { sanitize } from '../format.js';
import { type Theme, type Tone, tone } from './theme.js';

export interface KeyValueEntry {
  key: string;
  value: string;
  /** Colours the value, e.g. "unreachable" in red. */
  tone?: Tone;
}

export interface KeyValueViewProps {
  title?: string;
  entries: readonly KeyValueEntry[];
  /** Shown instead of the list when it is empty. */
  empty?: string;
  theme: Theme;
}

/** Aligned `key  value` lines: preferences, settings, status. */
export function KeyValueView({ title, entries, empty, theme }: KeyValueViewProps) {
  if (entries.length === 0 && empty !== undefined) {
    return <Text>{empty}</Text>;
  }
  const width = Math.max(...entries.map((entry) => [...entry.key].length));
  return (
    <Box flexDirection="column">
      {title === undefined ? null : <Text {...tone(theme, 'heading')}>{title}</Text>}
      {entries.map((entry) => (
        <Box key={entry.key} columnGap={2}>
          <Box width={width} flexShrink={0}>
            <Text {...tone(theme, 'muted')}>{sanitize(entry.key)}</Text>
          </Box>
          <Text wrap="wrap" {...(entry.tone === undefined ? {} : tone(theme, entry.tone))}>
            {sanitize(entry.value)}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
