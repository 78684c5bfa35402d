import { formatMoney } from '../format.js';
import { readableTime } from '../time-text.js';
import type { ChangeResult, ReadResult } from './offline-first-client.js';
import { describeOp } from './ops.js';
import type { SyncReport } from './replay.js';

/**
 * The lines `shop` writes to stderr about the outbox and saved copies. Kept apart from the views: they are messages for
 * the person, never data, and the same in every output mode.
 */

/** After a change was queued. */
export function queuedNotice(change: Extract<ChangeResult<unknown>, { status: 'queued' }>): string {
  return `queued: server unreachable, ${change.pending} pending — run \`shop sync\``;
}

/**
 * Before a saved copy is shown in place of the server's answer; `now` makes its time relative (`saved 3 min ago`), and
 * its clock time is in `locale` when one is given (a terminal).
 */
export function staleNotice(read: Extract<ReadResult<unknown>, { source: 'cache' }>, now: number, locale?: string): string {
  const applied = read.pending === 0 ? '' : `, with ${plural(read.pending, 'queued change')} applied`;
  return `stale: server unreachable; showing the copy saved ${readableTime(read.asOf, now, { locale })}${applied}`;
}

/**
 * What a sync did, in a line or two each: ops refused for good, prices that changed since the saved copy, and what is
 * left waiting. `quiet` is the sync run before another command: it says what was sent in one line, and leaves an
 * unreachable server to the command, which queues or shows the saved copy and says so. `shop sync` itself fails with
 * the error that stopped it, so only the login case needs a word more.
 */
export function syncNotices(report: SyncReport, { quiet }: { quiet: boolean }): string[] {
  const lines: string[] = [];
  const sent = report.results.filter((result) => result.outcome === 'sent').length;
  if (quiet && sent > 0) {
    lines.push(`Sent ${plural(sent, 'queued change')}.`);
  }
  for (const result of report.results) {
    if (result.outcome === 'failed') {
      const { failure } = result;
      const code = failure.code === null ? '' : ` (${failure.code})`;
      lines.push(`#${failure.id} ${describeOp(failure.op)} was refused: ${failure.reason}${code}; see \`shop queue\` to retry or drop it`);
    }
  }
  for (const change of report.priceChanges) {
    lines.push(
      `price change: ${change.sku} (${change.name}) is now ${formatMoney(change.now, change.currency)}, was ${formatMoney(change.was, change.currency)}`,
    );
  }
  const stopped = report.stopped;
  if (stopped?.reason === 'auth') {
    const waiting = report.pending === 1 ? '1 queued change waits' : `${report.pending} queued changes wait`;
    lines.push(`${waiting} for you to log in again as the same user; nothing is lost`);
  } else if (stopped?.reason === 'refused' && quiet) {
    const code = stopped.error.code === undefined ? '' : ` (${stopped.error.code})`;
    lines.push(`${plural(report.pending, 'change')} still queued: the server answered "${stopped.error.message}"${code}; run \`shop sync\` later`);
  }
  if (!quiet && report.otherAccounts > 0) {
    const waiting = report.otherAccounts === 1 ? '1 change queued by another login to this server waits' : `${report.otherAccounts} changes queued by another login to this server wait`;
    lines.push(`${waiting} for that user to log in`);
  }
  return lines;
}

/** The closing line of `shop sync`. */
export function syncSummary(report: SyncReport): string {
  const sent = report.results.filter((result) => result.outcome === 'sent').length;
  const failed = report.results.length - sent;
  if (report.results.length === 0 && report.pending === 0) {
    return 'Nothing to send.';
  }
  return `Sent ${sent}, refused ${failed}, still queued ${report.pending}.`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
