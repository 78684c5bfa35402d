import type { Outbox, OutboxEntry, OutboxState, Refusal } from '../store/outbox.js';

const internals = {
  /** Settles once this many sent ops are unsettled… */
  maxOps: 200,
  /** …or once the oldest of them has waited this long: a few writes a second, whatever the speed of the server. */
  maxMs: 200,
};

/**
 * What a sync has learnt about its ops but not yet written to the outbox file. A sent op leaves the queue at once,
 * through the outbox's sent log, and is written away with others in one durable rewrite of the file every 200 ops or
 * 200 ms, whichever comes first, and whenever the sync calls {@link settle} — which it does on every way out. Batches
 * are safe because an op is only ever forgotten after the server applied it: one the file still lists after a crash
 * (a power cut can take the unflushed sent log) is pushed again with its sequence number, and the server answers it as
 * a repeat without applying it twice.
 *
 * A refusal is settled before anything behind it is recorded: the server answers a refused op sent again only as a
 * repeat, so a refusal lost in a crash would never reach the failed list. Refusals are rare; the write is worth it.
 */
export class SettleBatch {
  private refusals: Refusal[] = [];
  private unsettled = 0;
  private oldestAt = 0;

  constructor(private readonly outbox: Outbox) {}

  sent(entry: OutboxEntry): void {
    this.outbox.recordSent(entry);
    if (this.unsettled === 0) {
      // Date, not performance.now(): the first touch of `performance` loads perf_hooks (~1 ms of a sync's start), for
      // a bound where a millisecond, or a clock step, changes only when a batch is written.
      this.oldestAt = Date.now();
    }
    this.unsettled += 1;
  }

  refused(refusal: Refusal): void {
    this.refusals.push(refusal);
  }

  /** Whether to settle before sending the next op. */
  isDue(): boolean {
    return (
      this.refusals.length > 0 ||
      this.unsettled >= internals.maxOps ||
      (this.unsettled > 0 && Date.now() - this.oldestAt >= internals.maxMs)
    );
  }

  /** Writes the batch, and returns the outbox as it now is: ops other processes queued or dropped meanwhile included. */
  async settle(): Promise<OutboxState> {
    const state = await this.outbox.settle(this.refusals);
    this.refusals = [];
    this.unsettled = 0;
    return state;
  }
}
