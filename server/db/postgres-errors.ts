import { StoreUnavailableError } from './store.js';

const internals = {
  /** Socket errors from Node, and the connection errors of the `postgres` package itself. */
  connectionCodes: new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'EHOSTDOWN',
    'ENETUNREACH',
    'ENETDOWN',
    'ENOTFOUND',
    'EAI_AGAIN',
    'CONNECT_TIMEOUT',
    'CONNECTION_CLOSED',
    'CONNECTION_ENDED',
    'CONNECTION_DESTROYED',
  ]),

  /**
   * SQLSTATEs that mean "the server cannot serve you now", not "your query is wrong": class 08 (connection exception),
   * the server shutting down or starting up, and running out of connection slots.
   */
  isUnavailableState(code: string): boolean {
    return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
  },

  /**
   * SQLSTATEs after which the connection is still fine but the database cannot do the work now, so a client should
   * retry rather than be told of a bug: a statement cancelled by `statement_timeout`, a write that reached a read-only
   * server (a standby, or a primary demoted under us), the disk or memory running out, and a transaction the server
   * aborted to resolve a conflict (serialization failure, deadlock), which the client's retry with its key repeats.
   */
  retryableStates: new Set(['57014', '25006', '53100', '53200', '40001', '40P01']),

  isRetryableState(error: unknown): boolean {
    return (
      error instanceof Error && error.name === 'PostgresError' && internals.retryableStates.has(String((error as { code?: unknown }).code))
    );
  },

  isConnectionError(error: unknown): boolean {
    if (!(error instanceof Error)) {
      return false;
    }
    if (error instanceof AggregateError && error.errors.some((inner) => internals.isConnectionError(inner))) {
      // Node tries every address of a host name (e.g. ::1 and 127.0.0.1) and reports the failures together.
      return true;
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') {
      return false;
    }
    return internals.connectionCodes.has(code) || (error.name === 'PostgresError' && internals.isUnavailableState(code));
  },
};

/** Whether `error` means the connection to Postgres failed or was lost (rather than that a query was wrong). */
export function isConnectionError(error: unknown): boolean {
  return error instanceof StoreUnavailableError || internals.isConnectionError(error);
}

/**
 * Whether `error` is Postgres giving up waiting for a lock after `lock_timeout` (SQLSTATE 55P03, lock_not_available).
 * The statement failed and its transaction is aborted, but the connection is fine.
 */
export function isLockTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'PostgresError' && (error as { code?: unknown }).code === '55P03';
}

/** Whether `error` is a write refused because the server is read-only: it is a standby, not the primary. */
export function isReadOnlyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'PostgresError' && (error as { code?: unknown }).code === '25006';
}

/**
 * Turns failures to reach Postgres, and the database being unable to serve for now (see `retryableStates`), into
 * `StoreUnavailableError`, which the server answers with 503 and `Retry-After` so clients retry. Anything else (a
 * constraint violation, a syntax error) is a bug and is returned unchanged.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !(internals.isConnectionError(error) || internals.isRetryableState(error))) {
    return error;
  }
  return new StoreUnavailableError(`the database is unavailable: ${(error as Error).message}`, { cause: error });
}
