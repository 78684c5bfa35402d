import type { TextProps } from 'ink';

/** Decided once in cli/output.ts: colour is off for NO_COLOR, TERM=dumb, --no-color and non-TTY output. */
export interface Theme {
  color: boolean;
  /** BCP 47 tag money, numbers and times are formatted in (cli/locale.ts); unset: the runtime's default. */
  locale?: string | undefined;
}

export type Tone = 'heading' | 'muted' | 'accent' | 'success' | 'warning' | 'danger' | 'amount';

const colored: Record<Tone, TextProps> = {
  heading: { bold: true },
  muted: { dimColor: true },
  accent: { color: 'cyan' },
  success: { color: 'green' },
  warning: { color: 'yellow' },
  danger: { color: 'red' },
  amount: { bold: true },
};

/**
 * The Text props for a role. With colour off there are none at all — bold and dim are escape codes too, and
 * NO_COLOR means none of them.
 */
export function tone(theme: Theme, role: Tone): TextProps {
  return theme.color ? colored[role] : {};
}
