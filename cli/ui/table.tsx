import { Box, Text } from 'ink';

import { type Theme, tone } from './theme.js';

export interface TableColumn {
  header: string;
  align?: 'left' | 'right';
  /** The one column that gives up width (and truncates) when the terminal is narrow, e.g. a product name. */
  flexible?: boolean;
}

export interface TableProps {
  columns: readonly TableColumn[];
  rows: readonly (readonly string[])[];
  /** A closing row, set apart by a blank line: totals. */
  footer?: readonly string[];
  theme: Theme;
}

/** Columns sized to their widest cell, separated by two spaces; numbers right-aligned. */
export function Table({ columns, rows, footer, theme }: TableProps) {
  const all = footer === undefined ? rows : [...rows, footer];
  const widths = columns.map((column, index) =>
    Math.max(textWidth(column.header), ...all.map((row) => textWidth(row[index] ?? ''))),
  );
  const line = (cells: readonly string[], key: string, strong: boolean) => (
    <Box key={key} columnGap={2}>
      {columns.map((column, index) => (
        <Box
          key={column.header}
          width={widths[index]}
          minWidth={column.flexible === true ? 4 : undefined}
          flexShrink={column.flexible === true ? 1 : 0}
          flexGrow={0}
          justifyContent={column.align === 'right' ? 'flex-end' : 'flex-start'}
        >
          <Text wrap="truncate-end" {...(strong ? tone(theme, 'heading') : {})}>
            {cells[index] ?? ''}
          </Text>
        </Box>
      ))}
    </Box>
  );
  return (
    <Box flexDirection="column">
      {line(
        columns.map((column) => column.header),
        'header',
        true,
      )}
      {rows.map((row, index) => line(row, String(index), false))}
      {footer === undefined ? null : <Box marginTop={1}>{line(footer, 'footer', true)}</Box>}
    </Box>
  );
}

/** Good enough for layout: code points, not grapheme clusters or East Asian widths. */
function textWidth(text: string): number {
  return [...text].length;
}
