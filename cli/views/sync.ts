import { describeOp } from '../offline/ops.js';
import type { SyncReport, SyncResult } from '../offline/replay.js';
import type { StepView, View } from './view.js';

/**
 * One op of `shop sync`, as it finishes. Plain lines are `ID  STATUS  COMMAND  CODE  REASON`, STATUS being `sent` or
 * `failed`, and the last two empty for a sent op.
 */
export const syncStepView: StepView<SyncResult> = {
  plain: (result) =>
    result.outcome === 'sent'
      ? [result.entry.id, 'sent', describeOp(result.entry.op), null, null]
      : [result.entry.id, 'failed', describeOp(result.entry.op), result.failure.code, result.failure.reason],
  text: (result) =>
    result.outcome === 'sent'
      ? `✓ #${result.entry.id} ${describeOp(result.entry.op)}`
      : `✗ #${result.entry.id} ${describeOp(result.entry.op)} — refused: ${result.failure.reason}${result.failure.code === null ? '' : ` (${result.failure.code})`}`,
  label: (result) => describeOp(result.entry.op),
};

/**
 * The whole sync, for `--json`. Pipes and terminals got a line per op as it happened, and the summary on stderr, so
 * there is nothing more to print for them.
 */
export const syncReportView: View<SyncReport> = {
  json: (report) => ({
    server: report.account.server,
    sent: report.results.filter((result) => result.outcome === 'sent').length,
    failed: report.results.filter((result) => result.outcome === 'failed').length,
    pending: report.pending,
    results: report.results.map((result) => ({
      id: result.entry.id,
      command: describeOp(result.entry.op),
      op: result.entry.op,
      status: result.outcome,
      ...(result.outcome === 'failed' ? { code: result.failure.code, reason: result.failure.reason } : {}),
    })),
    priceChanges: report.priceChanges,
    stopped: report.stopped === null ? null : { reason: report.stopped.reason, message: report.stopped.error.message },
    otherAccounts: report.otherAccounts,
  }),
  plain: () => [],
};
