import { ErrorCode, isErrorBody } from '../../shared/errors.js';
import { cartETag, Headers, Paths } from '../../shared/http.js';
import type {
  AccountExport,
  Cart,
  CheckoutRequest,
  Credentials,
  Health,
  GuestMergeRequest,
  GuestSession,
  LoginResponse,
  Me,
  Order,
  OrderPage,
  Preference,
  PreferenceValue,
  Preferences,
  Product,
  ProductPage,
  PushRequest,
  PushResponse,
  RegisteredUser,
  TokenPair,
} from '../../shared/wire.js';
import type { ConfigStore } from '../store/config-store.js';
import type { FileLockOptions } from '../store/file-lock.js';
import type { ApiClient, MeOptions, ProductQuery } from './client.js';
import { AuthenticationError } from './errors.js';
import { errorCodeOf, expectBody, expectSuccess } from './responses.js';
import { Session } from './session.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

export interface HttpApiClientOptions {
  transport: Transport;
  store: ConfigStore;
  envToken: string | undefined;
  now: () => number;
  lock?: FileLockOptions;
}

type AuthorizedRequest = Omit<HttpRequest, 'token'>;

export function createHttpApiClient(options: HttpApiClientOptions): ApiClient {
  return new HttpApiClient(options);
}

class HttpApiClient implements ApiClient {
  readonly server: string;
  private readonly transport: Transport;
  private readonly store: ConfigStore;
  private readonly session: Session;

  constructor(options: HttpApiClientOptions) {
    this.transport = options.transport;
    this.store = options.store;
    this.server = options.transport.baseUrl;
    this.session = new Session({
      server: this.server,
      store: options.store,
      envToken: options.envToken,
      now: options.now,
      transport: options.transport,
      lock: options.lock,
    });
  }

  async startGuest(): Promise<GuestSession> {
    // No idempotency key, as for a login: a retried request makes a second guest, which the server lets idle out.
    return expectBody(await this.transport.send({ method: 'POST', path: Paths.guest }));
  }

  async register(credentials: Credentials & GuestMergeRequest, idempotencyKey: string): Promise<RegisteredUser> {
    return expectBody(await this.transport.send(mutation('POST', Paths.register, idempotencyKey, credentials)));
  }

  // Login and refresh carry no idempotency key: a replayed answer would have to keep live tokens in the server's
  // replay store. A login is harmless to repeat by hand; a refresh is never repeated (see Session).
  async login(credentials: Credentials & GuestMergeRequest): Promise<LoginResponse> {
    return expectBody(await this.transport.send({ method: 'POST', path: Paths.login, body: credentials }));
  }

  async logout(scope: 'session' | 'all', idempotencyKey: string): Promise<void> {
    // The body is built per attempt: if the access token had to be refreshed first, the refresh token to revoke is
    // the new one, and sending the spent one would look like token theft to the server. Reusing the key is still
    // right: the attempt that was refused with TOKEN_EXPIRED was not stored by the server.
    expectSuccess(
      await this.authorized(() =>
        mutation('POST', Paths.logout, idempotencyKey, scope === 'all' ? { all: true } : { refreshToken: this.storedRefreshToken() }),
      ),
    );
  }

  async me(options: MeOptions = {}): Promise<Me> {
    const request: AuthorizedRequest = { method: 'GET', path: Paths.me };
    if (options.token !== undefined) {
      return expectBody(this.rejectUnauthorized(await this.transport.send({ ...request, token: options.token }), false));
    }
    return expectBody(await this.authorized(request, { refresh: options.refresh ?? true }));
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<TokenPair> {
    return expectBody(await this.authorized({ method: 'POST', path: Paths.mePassword, body: { currentPassword, newPassword } }));
  }

  async deleteAccount(password: string): Promise<void> {
    expectSuccess(await this.authorized({ method: 'DELETE', path: Paths.me, body: { password } }));
  }

  async exportAccount(): Promise<AccountExport> {
    return expectBody(await this.authorized({ method: 'GET', path: Paths.meExport }));
  }

  async health(timeoutMs: number): Promise<Health> {
    return expectBody(await this.transport.send({ method: 'GET', path: Paths.healthz, timeoutMs }));
  }

  async listProducts({ query, limit, offset, currency }: ProductQuery): Promise<ProductPage> {
    return expectBody(
      await this.transport.send({ method: 'GET', path: Paths.products, query: { q: query, limit, offset, currency } }),
    );
  }

  async getProduct(sku: string, currency?: string): Promise<Product> {
    return expectBody(await this.transport.send({ method: 'GET', path: Paths.product(sku), query: { currency } }));
  }

  async getCart(): Promise<Cart> {
    return expectBody(await this.authorized({ method: 'GET', path: Paths.cart }));
  }

  async addItem(sku: string, quantity: number, idempotencyKey: string): Promise<Cart> {
    return expectBody(await this.authorized(mutation('POST', Paths.cartItems, idempotencyKey, { sku, quantity })));
  }

  async setItem(sku: string, quantity: number, idempotencyKey: string): Promise<Cart> {
    return expectBody(await this.authorized(mutation('PUT', Paths.cartItem(sku), idempotencyKey, { quantity })));
  }

  async removeItem(sku: string, idempotencyKey: string): Promise<Cart> {
    return expectBody(await this.authorized(mutation('DELETE', Paths.cartItem(sku), idempotencyKey)));
  }

  async clearCart(idempotencyKey: string): Promise<Cart> {
    return expectBody(await this.authorized(mutation('DELETE', Paths.cart, idempotencyKey)));
  }

  async checkout(expect: NonNullable<CheckoutRequest['expect']>, cartVersion: number | undefined, idempotencyKey: string): Promise<Order> {
    const request = mutation('POST', Paths.orders, idempotencyKey, { expect });
    if (cartVersion !== undefined) {
      request.headers = { ...request.headers, [Headers.ifMatch]: cartETag(cartVersion) };
    }
    return expectBody(await this.authorized(request));
  }

  async listOrders({ limit, offset }: { limit?: number; offset?: number }): Promise<OrderPage> {
    return expectBody(await this.authorized({ method: 'GET', path: Paths.orders, query: { limit, offset } }));
  }

  async getOrder(id: string): Promise<Order> {
    return expectBody(await this.authorized({ method: 'GET', path: Paths.order(id) }));
  }

  async listPreferences(): Promise<Preferences> {
    return expectBody(await this.authorized({ method: 'GET', path: Paths.preferences }));
  }

  async getPreference(key: string): Promise<Preference> {
    return expectBody(await this.authorized({ method: 'GET', path: Paths.preference(key) }));
  }

  async setPreference(key: string, value: PreferenceValue, idempotencyKey: string): Promise<Preference> {
    return expectBody(await this.authorized(mutation('PUT', Paths.preference(key), idempotencyKey, { value })));
  }

  async deletePreference(key: string, idempotencyKey: string): Promise<void> {
    expectSuccess(await this.authorized(mutation('DELETE', Paths.preference(key), idempotencyKey)));
  }

  async push(request: PushRequest): Promise<PushResponse> {
    return expectBody(await this.authorized({ method: 'POST', path: Paths.syncPush, body: request, repeatable: true }));
  }

  async forgetDevice(deviceId: string): Promise<void> {
    expectSuccess(await this.authorized({ method: 'DELETE', path: Paths.syncDevice(deviceId) }));
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /**
   * Sends with the current access token. On TOKEN_EXPIRED it refreshes once — unless getting the token already took
   * a refresh — and sends the same request again, same idempotency key included: it is the same operation.
   */
  private async authorized(
    request: AuthorizedRequest | (() => AuthorizedRequest),
    { refresh = true } = {},
  ): Promise<HttpResponse> {
    const build = typeof request === 'function' ? request : () => request;
    const current = await this.session.current({ refresh });
    let response = await this.transport.send({ ...build(), token: current.token });
    if (refresh && !current.refreshed && response.status === 401 && errorCodeOf(response) === ErrorCode.TOKEN_EXPIRED) {
      const token = await this.session.refreshAfterRejection(current.token);
      response = await this.transport.send({ ...build(), token });
    }
    if (!this.session.usesEnvToken && response.status === 401 && errorCodeOf(response) === ErrorCode.GUEST_EXPIRED) {
      // The guest is gone for good: forget it, so the next `shop cart add` starts a new guest cart.
      await this.store.deleteCredentials(this.server);
    }
    return this.rejectUnauthorized(response, this.session.usesEnvToken);
  }

  private storedRefreshToken(): string {
    const refreshToken = this.store.credentials(this.server)?.refreshToken;
    if (refreshToken === undefined || refreshToken === null) {
      throw new AuthenticationError(`no refresh token is stored for ${this.server}`, this.server);
    }
    return refreshToken;
  }

  private rejectUnauthorized(response: HttpResponse, fromEnv: boolean): HttpResponse {
    if (response.status !== 401 && response.status !== 403) {
      return response;
    }
    const body = isErrorBody(response.body) ? response.body : undefined;
    throw new AuthenticationError(
      body?.message ?? `the server answered HTTP ${response.status}`,
      this.server,
      body?.code,
      fromEnv,
    );
  }
}

/** A change, carrying the caller's idempotency key; the transport sends it unchanged on every retry. */
function mutation(method: 'POST' | 'PUT' | 'DELETE', path: string, idempotencyKey: string, body?: unknown): AuthorizedRequest {
  return { method, path, body, headers: { [Headers.idempotencyKey]: idempotencyKey } };
}
