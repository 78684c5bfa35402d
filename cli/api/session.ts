import { ErrorCode, isErrorBody } from '../../shared/errors.js';
import { Paths } from '../../shared/http.js';
import type { TokenPair } from '../../shared/wire.js';
import type { ConfigStore, StoredCredentials } from '../store/config-store.js';
import { type FileLockOptions, withFileLock } from '../store/file-lock.js';
import { AuthenticationError } from './errors.js';
import { toApiError } from './responses.js';
import type { Transport } from './transport.js';

export interface SessionOptions {
  server: string;
  store: ConfigStore;
  /** `SHOP_TOKEN`: used instead of the stored login, and never refreshed. */
  envToken: string | undefined;
  now: () => number;
  transport: Transport;
  /** How the refresh lock tells a dead holder from a live one. */
  lock?: FileLockOptions;
}

export interface CurrentToken {
  token: string;
  /** True when getting it took a refresh, so the caller must not refresh again for the same operation. */
  refreshed: boolean;
}

/** A token this close to its expiry is refreshed before use rather than sent, so it cannot expire in flight. */
const EXPIRY_MARGIN_MS = 5_000;

/** Which access token to send, and how to get a new one when it has expired. */
export class Session {
  constructor(private readonly options: SessionOptions) {}

  get usesEnvToken(): boolean {
    return this.options.envToken !== undefined;
  }

  /** The token for the next request, refreshed first when the clock says the stored one has expired. */
  async current({ refresh }: { refresh: boolean }): Promise<CurrentToken> {
    if (this.options.envToken !== undefined) {
      return { token: this.options.envToken, refreshed: false };
    }
    const stored = this.options.store.credentials(this.options.server);
    if (stored === undefined) {
      throw new AuthenticationError(`not logged in to ${this.options.server}`, this.options.server);
    }
    if (refresh && this.hasExpired(stored)) {
      return { token: await this.refresh(stored.accessToken), refreshed: true };
    }
    return { token: stored.accessToken, refreshed: false };
  }

  /** After the server answered TOKEN_EXPIRED for `rejected`: refreshes once and returns the new access token. */
  async refreshAfterRejection(rejected: string): Promise<string> {
    if (this.options.envToken !== undefined) {
      throw new AuthenticationError('SHOP_TOKEN has expired', this.options.server, ErrorCode.TOKEN_EXPIRED, true);
    }
    return this.refresh(rejected);
  }

  private hasExpired(credentials: StoredCredentials): boolean {
    return credentials.expiresAt !== null && credentials.expiresAt - EXPIRY_MARGIN_MS <= this.options.now();
  }

  private refresh(staleAccessToken: string): Promise<string> {
    const { server, store, transport, now, lock } = this.options;
    return withFileLock(store.refreshLockPath, async () => {
      // Read again under the lock: another `shop` may have refreshed while this one waited.
      const latest = store.credentials(server);
      if (latest === undefined) {
        throw new AuthenticationError(`not logged in to ${server}`, server);
      }
      if (latest.accessToken !== staleAccessToken && !this.hasExpired(latest)) {
        return latest.accessToken;
      }
      if (latest.refreshToken === null) {
        throw new AuthenticationError(
          'the access token has expired, and a token given with --with-token cannot be refreshed',
          server,
          ErrorCode.TOKEN_EXPIRED,
        );
      }
      // Not retried by the transport (POST): a refresh whose answer was lost must not be replayed, as the server
      // would see the spent token again and revoke the whole login.
      const response = await transport.send({
        method: 'POST',
        path: Paths.refresh,
        body: { refreshToken: latest.refreshToken },
      });
      if (response.status === 401 || response.status === 403) {
        // The refresh token is spent, expired or revoked; keeping it would only fail again.
        await store.deleteCredentials(server);
        const code = isErrorBody(response.body) ? response.body.code : undefined;
        throw new AuthenticationError('your login has expired or was revoked', server, code);
      }
      if (response.status !== 200) {
        throw toApiError(response);
      }
      const pair = response.body as TokenPair;
      await store.saveCredentials(server, credentialsFromPair(latest.email, pair, now()));
      return pair.accessToken;
    }, lock);
  }
}

/**
 * What to store after a login or refresh. The expiry is `expiresIn` counted on this machine's clock rather than the
 * token's `exp`, so a clock that is off does not make a fresh token look expired.
 */
export function credentialsFromPair(email: string | null, pair: TokenPair, now: number): StoredCredentials {
  return { email, accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: now + pair.expiresIn * 1000 };
}
