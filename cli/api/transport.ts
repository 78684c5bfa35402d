import { setTimeout as sleep } from 'node:timers/promises';

import type { Agent } from 'undici';

import { ErrorCode } from '../../shared/errors.js';
import { UserError } from '../errors.js';
import { Headers } from '../../shared/http.js';
import { ApiError, ServerUnreachableError, type UnreachableReason } from './errors.js';
import { loadUndici, type UndiciParts } from './load-undici.js';
import type { TimeBudget } from './time-budget.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: Method;
  /** A path from `shared/http.ts` Paths, appended to the base URL. */
  path: string;
  query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  /** Extra headers; an `Idempotency-Key` here is sent unchanged on every retry. */
  headers?: Readonly<Record<string, string>>;
  /** Gives up after this long (or sooner, when the command's budget ends first), and is never retried; for `shop status`. */
  timeoutMs?: number;
  /** Safe to send again though not keyed: a push, whose changes carry their device's sequence numbers. */
  repeatable?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  /** The parsed JSON body; `undefined` when there was none. */
  body: unknown;
}

/**
 * Sends requests to one server and returns its answer, whatever the status. Throws {@link ServerUnreachableError}
 * when there is no usable answer (including 502/503/504), and {@link ApiError} for an answer that is not JSON.
 */
export interface Transport {
  readonly baseUrl: string;
  send(request: HttpRequest): Promise<HttpResponse>;
  /** Closes kept-alive connections so the process can exit at once. */
  close(): Promise<void>;
}

export interface TransportOptions {
  baseUrl: string;
  userAgent: string;
  /** Debug lines (`--debug`); never given a token. */
  log?: (line: string) => void;
  /** Pauses before each retry; as many retries as entries. */
  retryDelaysMs?: readonly number[];
  /**
   * Whether to retry when the connection was refused or the name did not resolve (default true). Commands with
   * something to fall back on — queueing the change, showing the saved copy — say false: the server is most likely
   * down or the network gone, waiting for it helps nobody, and the next command tries again anyway.
   */
  retryNeverSent?: boolean;
  connectTimeoutMs?: number;
  /** How long to wait for response headers, and then for each chunk of the body. */
  responseTimeoutMs?: number;
  /** The whole command's time with the server, shared by every request and retry; nothing is sent once it is spent. */
  budget?: TimeBudget;
  /** Told before each retry, so a spinner can say which try it is on. */
  onRetry?: (retry: RetryNotice) => void;
}

export interface RetryNotice {
  /** The try about to be made: 2 for the first retry. */
  attempt: number;
  /** How many tries there will be at most. */
  attempts: number;
  error: ServerUnreachableError;
}

const internals = {
  defaultRetryDelaysMs: [100, 300] as readonly number[],
  defaultConnectTimeoutMs: 5_000,
  defaultResponseTimeoutMs: 15_000,
  /** The most response header bytes accepted: Node's own default for HTTP (`--max-http-header-size`). */
  maxHeaderSize: 16 * 1024,
  /** Statuses that mean a proxy or the server itself cannot serve right now: retry later, like a refused connect. */
  unavailableStatuses: new Set([502, 503, 504]),
  /** Safe to send twice by HTTP semantics. A POST is too when it carries an Idempotency-Key: see `isRetryable`. */
  idempotentMethods: new Set<Method>(['GET', 'PUT', 'DELETE']),
  /** Failures that happen before the request leaves this machine, so retrying cannot repeat it. */
  neverSentReasons: new Set<UnreachableReason>(['refused', 'dns']),

  /**
   * Whether a request may be sent again after a failure that left its fate unknown. The server applies a change at
   * most once per Idempotency-Key and answers a repeat with the stored response, so a keyed POST is as safe to repeat
   * as a PUT.
   */
  isRetryable(request: HttpRequest): boolean {
    return internals.idempotentMethods.has(request.method) || request.headers?.[Headers.idempotencyKey] !== undefined || request.repeatable === true;
  },

  /** 409 IDEMPOTENCY_IN_FLIGHT: an earlier attempt of this very change is still running on the server. */
  isInFlight(status: number, text: string): boolean {
    if (status !== 409) {
      return false;
    }
    try {
      return (JSON.parse(text) as { code?: unknown }).code === ErrorCode.IDEMPOTENCY_IN_FLIGHT;
    } catch {
      return false;
    }
  },
};

/**
 * An undici transport with one keep-alive agent. undici is loaded on the first request, not at start-up, so commands
 * that never reach the network (`config`, `--help`) do not pay for it.
 */
export function createUndiciTransport(options: TransportOptions): Transport {
  return new UndiciTransport(options);
}

class UndiciTransport implements Transport {
  readonly baseUrl: string;
  private agent: Promise<{ agent: Agent; undici: UndiciParts }> | undefined;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = this.url(request);
    const headers = this.headers(request);
    const retryDelays = request.timeoutMs === undefined ? (this.options.retryDelaysMs ?? internals.defaultRetryDelaysMs) : [];
    const idempotent = internals.isRetryable(request);
    const { budget } = this.options;
    for (let attempt = 0; ; attempt += 1) {
      const remaining = budget?.remainingMs() ?? Infinity;
      if (remaining <= 0) {
        throw this.outOfTime(new ServerUnreachableError(this.baseUrl, 'timeout', 'no time left'));
      }
      const limit = Math.min(request.timeoutMs ?? Infinity, remaining);
      try {
        return await this.attempt(request, url, headers, Number.isFinite(limit) ? limit : undefined);
      } catch (error) {
        if (!(error instanceof ServerUnreachableError)) {
          throw error;
        }
        const spent = budget !== undefined && budget.remainingMs() <= 0;
        if (spent) {
          throw this.outOfTime(error);
        }
        const delay = retryDelays[attempt];
        const neverSent = internals.neverSentReasons.has(error.reason);
        if (delay === undefined || (neverSent && this.options.retryNeverSent === false) || !(idempotent || neverSent)) {
          throw error;
        }
        // The server says when an attempt still running will be done; waiting less would only be refused again.
        const wait = Math.max(delay, (error.retryAfterSeconds ?? 0) * 1000);
        if (budget !== undefined && wait >= budget.remainingMs()) {
          throw this.outOfTime(error);
        }
        this.log(`retrying in ${wait} ms: ${error.message}`);
        this.options.onRetry?.({ attempt: attempt + 2, attempts: retryDelays.length + 1, error });
        await sleep(wait);
      }
    }
  }

  /** The budget ran out: says so, and how to allow more, keeping the reason of the last failure. */
  private outOfTime(error: ServerUnreachableError): ServerUnreachableError {
    const seconds = (this.options.budget?.totalMs ?? 0) / 1000;
    return new ServerUnreachableError(
      this.baseUrl,
      'timeout',
      `no answer within ${seconds} s (${error.detail}); --timeout or SHOP_TIMEOUT allows longer`,
      { cause: error },
    );
  }

  async close(): Promise<void> {
    if (this.agent !== undefined) {
      await (await this.agent).agent.close();
    }
  }

  private async attempt(request: HttpRequest, url: URL, headers: Record<string, string>, timeoutMs: number | undefined): Promise<HttpResponse> {
    const { agent, undici } = await this.getAgent();
    // Date, not performance.now(): the first touch of `performance` loads perf_hooks, for a figure only --debug shows.
    const started = Date.now();
    const key = headers[Headers.idempotencyKey];
    this.log(`> ${request.method} ${url.href}${key === undefined ? '' : ` (idempotency key ${key})`}`);
    let status: number;
    let responseHeaders: Record<string, string | undefined>;
    let text: string;
    try {
      const response = await undici.request(agent, {
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers,
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal: timeoutMs === undefined ? null : AbortSignal.timeout(timeoutMs),
      });
      status = response.statusCode;
      responseHeaders = flattenHeaders(response.headers);
      text = await response.body.text();
    } catch (error) {
      if (errorCode(error) === 'UND_ERR_INVALID_ARG') {
        // undici refused to build the request (e.g. a control character in a header value taken from the user): it
        // never left this machine, so it is bad input, not an unreachable server to queue for.
        throw new UserError(`could not send the request: ${(error as Error).message}`);
      }
      throw toUnreachable(error, this.baseUrl);
    }
    const requestId = responseHeaders[Headers.requestId];
    this.log(
      `< ${status} ${request.method} ${url.pathname} in ${Date.now() - started} ms` +
        (requestId === undefined ? '' : ` (request id ${requestId})`),
    );
    if (internals.unavailableStatuses.has(status)) {
      throw new ServerUnreachableError(this.baseUrl, 'unavailable', describeUnavailable(status, text));
    }
    if (key !== undefined && internals.isInFlight(status, text)) {
      // No answer yet, and the change may well be applied by that earlier attempt: like a timeout, the only safe
      // course is to ask again with the same key later — never to report a failure the user would "fix" by retrying.
      throw new ServerUnreachableError(this.baseUrl, 'busy', 'the server is still working on an earlier attempt of this change', {
        retryAfterSeconds: retryAfterSeconds(responseHeaders[Headers.retryAfter]),
      });
    }
    return { status, headers: responseHeaders, body: parseBody(text, status, url) };
  }

  private getAgent(): Promise<{ agent: Agent; undici: UndiciParts }> {
    this.agent ??= loadUndici().then((undici) => ({
      undici,
      agent: new undici.Agent({
        connectTimeout: this.options.connectTimeoutMs ?? internals.defaultConnectTimeoutMs,
        headersTimeout: this.options.responseTimeoutMs ?? internals.defaultResponseTimeoutMs,
        bodyTimeout: this.options.responseTimeoutMs ?? internals.defaultResponseTimeoutMs,
        keepAliveTimeout: 10_000,
        // Node's default, given here so that undici need not load node:http to read it (see scripts/build-cli.ts).
        maxHeaderSize: internals.maxHeaderSize,
      }),
    }));
    return this.agent;
  }

  private url(request: HttpRequest): URL {
    const url = new URL(this.baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) {
        url.searchParams.set(name, String(value));
      }
    }
    return url;
  }

  private headers(request: HttpRequest): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent,
      ...request.headers,
    };
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (request.token !== undefined) {
      headers[Headers.authorization] = `Bearer ${request.token}`;
    }
    return headers;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseBody(text: string, status: number, url: URL): unknown {
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not ours: a proxy's HTML page, or some other program listening on that port.
    throw new ApiError(status, undefined, `the answer from ${url.href} (HTTP ${status}) is not JSON; is this a shop server?`, undefined);
  }
}

function retryAfterSeconds(value: string | undefined): number | undefined {
  const seconds = Number(value);
  // Capped: a CLI waits seconds at most; a longer wait is better spent queued.
  return value !== undefined && Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 5) : undefined;
}

function describeUnavailable(status: number, text: string): string {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown }).message;
  } catch {
    // A gateway's HTML page: the status says enough.
  }
  return typeof message === 'string' ? `HTTP ${status}: ${message}` : `HTTP ${status}`;
}

/** Maps undici's and the socket's errors to one readable reason. Anything unrecognised is still "unreachable". */
function toUnreachable(error: unknown, baseUrl: string): ServerUnreachableError {
  const code = errorCode(error);
  const name = error instanceof Error ? error.name : '';
  let reason: UnreachableReason = 'network';
  let detail = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') {
    reason = 'refused';
    detail = 'connection refused';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    reason = 'dns';
    detail = 'host not found';
  } else if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') {
    reason = 'reset';
    detail = 'connection closed unexpectedly';
  } else if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    reason = 'timeout';
    detail = 'timed out connecting';
  } else if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || name === 'TimeoutError') {
    reason = 'timeout';
    detail = 'timed out waiting for an answer';
  } else if (code === 'UND_ERR_ABORTED' || name === 'AbortError') {
    reason = 'timeout';
    detail = 'gave up waiting for an answer';
  }
  return new ServerUnreachableError(baseUrl, reason, detail, { cause: error });
}

/** Socket errors carry `code`; with several addresses (IPv6 and IPv4) Node wraps them in an AggregateError. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    return code;
  }
  if (error instanceof AggregateError) {
    return errorCode(error.errors[0]);
  }
  return errorCode((error as { cause?: unknown }).cause);
}
