import { InvalidArgumentError } from 'commander';

/** An outbox id as `shop queue` shows it: `3` or `#3`. */
export function parseQueueId(text: string): number {
  const match = /^#?(\d{1,15})$/.exec(text.trim());
  if (match?.[1] === undefined) {
    throw new InvalidArgumentError('an id is the number shop queue shows, e.g. 3 or #3.');
  }
  return Number(match[1]);
}
