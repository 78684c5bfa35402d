import { isErrorBody } from '../../shared/errors.js';
import { Headers } from '../../shared/http.js';
import { ApiError } from './errors.js';
import type { HttpResponse } from './transport.js';

/** Turns a non-2xx answer into an {@link ApiError} carrying the server's code and message. */
export function toApiError(response: HttpResponse): ApiError {
  const requestId = response.headers[Headers.requestId];
  const retryAfter = Number(response.headers[Headers.retryAfter]);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  if (isErrorBody(response.body)) {
    return new ApiError(response.status, response.body.code, response.body.message, requestId, retryAfterSeconds);
  }
  return new ApiError(response.status, undefined, `the server answered HTTP ${response.status}`, requestId, retryAfterSeconds);
}

/** The server's error code of an answer, if it has the standard error body. */
export function errorCodeOf(response: HttpResponse): string | undefined {
  return isErrorBody(response.body) ? response.body.code : undefined;
}

/** Returns the body of a 2xx answer as `T`, or throws the answer as an {@link ApiError}. */
export function expectBody<T>(response: HttpResponse): T {
  if (response.status < 200 || response.status > 299) {
    throw toApiError(response);
  }
  if (response.body === undefined) {
    throw new ApiError(response.status, undefined, `the server answered HTTP ${response.status} without a body`, undefined);
  }
  return response.body as T;
}

/** For answers with no body worth reading (204). */
export function expectSuccess(response: HttpResponse): void {
  if (response.status < 200 || response.status > 299) {
    throw toApiError(response);
  }
}
