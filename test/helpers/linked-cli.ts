import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type * as Lab from '@hapi/lab';

import { jwtSubject } from '../../cli/api/jwt.js';
import type { StoredCredentials } from '../../cli/store/config-store.js';
import { type RunningApiServer, startApiServer } from './api-server.js';
import { makeConfigDir, registerWithCli, runShop, type RunShopOptions, type ShopRun } from './cli.js';
import { type NetworkLink, openNetworkLink } from './cli-network.js';

type Hooks = Pick<ReturnType<typeof Lab.script>, 'before' | 'after' | 'beforeEach' | 'afterEach'>;

/** What the tests of one `describe` share: a real server behind a link they cut and restore, and a config dir per test. */
export interface LinkedCli {
  readonly api: RunningApiServer;
  /** What `shop` talks to: the real server, through a link the tests cut and restore. */
  readonly link: NetworkLink;
  /** This test's config directory. */
  readonly dir: { path: string; remove(): Promise<void> };
  /** The account registered for this test (with `register: true`). */
  readonly email: string;
  /** `shop` in-process, on this test's config directory and the link. */
  shop(argv: string[], options?: Omit<RunShopOptions, 'configDir' | 'server'>): Promise<ShopRun>;
  /** The user id of the login stored in `configDir` (this test's by default). */
  userId(configDir?: string): Promise<string>;
}

/**
 * Registers the hooks of the current `describe`: one server and link for all its tests, the link restored and a fresh
 * config directory for each (with an account registered through `shop register` when `register` is set).
 */
export function useLinkedCli(hooks: Hooks, options: { register?: boolean } = {}): LinkedCli {
  let api: RunningApiServer | undefined;
  let link: NetworkLink | undefined;
  let dir: { path: string; remove(): Promise<void> } | undefined;
  let email: string | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) {
      throw new Error(`${what} is set up by the describe's hooks: use it inside a test`);
    }
    return value;
  };

  hooks.before(async () => {
    api = await startApiServer();
    link = await openNetworkLink(api.url);
  });
  hooks.after(async () => {
    await link?.close();
    await api?.stop();
  });
  hooks.beforeEach(async () => {
    await ready(link, 'the link').restore();
    dir = await makeConfigDir();
    email = options.register === true ? await registerWithCli(link!.url, dir.path) : undefined;
  });
  hooks.afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  return {
    get api() {
      return ready(api, 'the server');
    },
    get link() {
      return ready(link, 'the link');
    },
    get dir() {
      return ready(dir, 'the config directory');
    },
    get email() {
      return ready(email, 'the registered account (register: true)');
    },
    shop(argv, runOptions = {}) {
      return runShop(argv, { ...runOptions, server: ready(link, 'the link').url, configDir: ready(dir, 'the config directory').path });
    },
    async userId(configDir = ready(dir, 'the config directory').path) {
      const stored = JSON.parse(await readFile(join(configDir, 'credentials.json'), 'utf8')) as Record<string, StoredCredentials>;
      return jwtSubject(stored[ready(link, 'the link').url]!.accessToken)!;
    },
  };
}
