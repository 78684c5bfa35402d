/**
 * Times for people: relative when that reads better (`3 min ago`, `in 12 min`), with the local clock time, in the
 * local time zone — never raw UTC with milliseconds. JSON and plain lines keep ISO 8601.
 */
export function readableTime(
  at: number | string,
  now: number,
  { clockFirst = false, locale }: { clockFirst?: boolean; locale?: string | undefined } = {},
): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) {
    return String(at);
  }
  const relative = relativeTime(ms, now);
  const sameDay = new Date(ms).toDateString() === new Date(now).toDateString();
  const clock = new Intl.DateTimeFormat(locale, {
    ...(sameDay ? {} : { weekday: 'short', day: 'numeric', month: 'short' }),
    ...(Math.abs(now - ms) > 300 * 86_400_000 ? { year: 'numeric' } : {}),
    hour: '2-digit',
    minute: '2-digit',
  }).format(ms);
  if (relative === undefined) {
    return clock;
  }
  // "saved 3 min ago (14:02)" but "valid until 14:17 (in 15 min)": whichever the sentence reads on with.
  return clockFirst ? `${clock} (${relative})` : `${relative} (${clock})`;
}

/** `just now`, `3 min ago`, `in 2 h`, `5 days ago`; `undefined` past a month, where a date says more. */
export function relativeTime(ms: number, now: number): string | undefined {
  const delta = ms - now;
  const seconds = Math.round(Math.abs(delta) / 1000);
  if (seconds < 45) {
    return 'just now';
  }
  const units: [limit: number, size: number, name: string][] = [
    [90 * 60, 60, 'min'],
    [36 * 3600, 3600, 'h'],
    [31 * 86_400, 86_400, 'day'],
  ];
  for (const [limit, size, name] of units) {
    if (seconds < limit) {
      const count = Math.max(1, Math.round(seconds / size));
      const unit = name === 'day' && count !== 1 ? 'days' : name;
      return delta < 0 ? `${count} ${unit} ago` : `in ${count} ${unit}`;
    }
  }
  return undefined;
}
