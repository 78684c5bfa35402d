import type { ChangeResult, ReadResult } from '../offline/offline-first-client.js';
import type { View } from './view.js';

/**
 * Where a document's data came from, added to the `--json` output of every read and change:
 *
 * - reads: `"source": "server"`, or `"source": "cache"` with `asOf` (when the saved copy was taken) and `pending`
 *   (how many queued changes were applied to it);
 * - changes: `"status": "applied"`, or `"status": "queued"` with the outbox `id`, `pending` and `asOf`.
 *
 * Added fields only, so scripts written against the online output keep working.
 */
export type ReadProvenance = { source: 'server' } | { source: 'cache'; asOf: string | null; pending: number };
export type ChangeProvenance = { status: 'applied' } | { status: 'queued'; id: number; pending: number; asOf: string | null };

export function readProvenance(read: ReadResult<unknown>): ReadProvenance {
  return read.source === 'server' ? { source: 'server' } : { source: 'cache', asOf: read.asOf, pending: read.pending };
}

export function changeProvenance(change: ChangeResult<unknown>): ChangeProvenance {
  return change.status === 'applied'
    ? { status: 'applied' }
    : { status: 'queued', id: change.entry.id, pending: change.pending, asOf: change.asOf };
}

/** The inner view, with the read's provenance added to its JSON document. */
export function readView<T>(view: View<T>): View<ReadResult<T>> {
  return withProvenance<T, ReadResult<T>>(view, readProvenance);
}

/** The inner view, with the change's provenance added to its JSON document. */
export function changeView<T>(view: View<T>): View<ChangeResult<T>> {
  return withProvenance<T, ChangeResult<T>>(view, changeProvenance);
}

function withProvenance<T, R extends { value: T }>(view: View<T>, provenance: (result: R) => object): View<R> {
  const { text, ink } = view;
  return {
    json: (result) => ({ ...jsonObject(view.json(result.value)), ...provenance(result) }),
    plain: (result) => view.plain(result.value),
    ...(text === undefined ? {} : { text: (result: R) => text(result.value) }),
    ...(ink === undefined ? {} : { ink: (result: R, ui, theme) => ink(result.value, ui, theme) }),
  };
}

function jsonObject(document: unknown): object {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Error('only a JSON object can say where its data came from');
  }
  return document;
}
