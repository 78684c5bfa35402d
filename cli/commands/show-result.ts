import type { ChangeResult, ReadResult } from '../offline/offline-first-client.js';
import { queuedNotice, staleNotice } from '../offline/notices.js';
import type { Output } from '../output.js';
import type { View } from '../views/view.js';
import { changeView, readView } from '../views/provenance.js';

/** Shows what a read returned; a saved copy is announced on stderr as stale first, with its time. */
export async function showRead<T>(output: Output, view: View<T>, read: ReadResult<T>): Promise<void> {
  if (read.source === 'cache') {
    await output.info(staleNotice(read, output.now(), output.mode === 'tty' ? output.theme.locale : undefined));
  }
  await output.show(readView(view), read);
}

/** Shows the outcome of a change: `done` when the server applied it, the queued notice when it was queued. */
export async function showChange<T>(output: Output, view: View<T>, change: ChangeResult<T>, done: string): Promise<void> {
  if (change.status === 'queued' && change.warning !== undefined) {
    await output.info(change.warning);
  }
  await output.info(change.status === 'applied' ? done : queuedNotice(change));
  await output.show(changeView(view), change);
}
