import type { ApiClient } from './api/client.js';
import { createHttpApiClient } from './api/http-client.js';
import { createTimeBudget, DEFAULT_TIMEOUT_SECONDS, parseTimeoutSeconds, type TimeBudget } from './api/time-budget.js';
import { createUndiciTransport } from './api/transport.js';
import { usageError } from './errors.js';
import type { Env, Io } from './io.js';
import { displayLocale } from './locale.js';
import { findAccount, requireAccount } from './offline/accounts.js';
import { createOffline, type Offline } from './offline/offline.js';
import { projectPreference } from './offline/projection.js';
import { chooseOutput, Output } from './output.js';
import type { Ui } from './views/view.js';
import { createPrompter, type Prompter } from './prompts.js';
import { resolveServer, type ResolvedServer } from './server-url.js';
import { type ConfModule, ConfigStore } from './store/config-store.js';
import type { FileLockOptions, LockHolder } from './store/file-lock.js';
import { createKeyringStore, type KeyringModule, loadKeyringModule, parseCredentialStoreChoice } from './store/keyring.js';
import { Outbox } from './store/outbox.js';

/** Options every command accepts, parsed by commander on the root program. */
export interface GlobalOptions {
  server?: string;
  json?: boolean;
  /** `--no-color` sets this to false. */
  color?: boolean;
  debug?: boolean;
  /** Fail (exit 3) instead of queueing a change or showing a saved copy when the server cannot be reached. */
  online?: boolean;
  /** Seconds the command may wait on the server in all (`--timeout`); wins over SHOP_TIMEOUT. */
  timeout?: number;
}

/** Everything a command touches. Tests build it around PassThrough streams, a temp directory and a real server. */
export interface CommandDeps {
  io: Io;
  env: Env;
  /** ms since the epoch. */
  now: () => number;
  config: ConfigStore;
  /** Resolved on first use, so `shop config set server` can repair a broken stored value. */
  server: () => ResolvedServer;
  /** The API client for `server()`, created on first use; commands that need no network never load undici. */
  api: () => ApiClient;
  /**
   * The outbox (changes waiting for the server), the saved copies of what it last said, and the API client that uses
   * both — what cart, prefs, products and whoami go through. Created on first use.
   */
  offline: () => Offline;
  /** SHOP_TOKEN, when set to something. */
  envToken: string | undefined;
  /**
   * A preference as the saved copy has it with queued changes applied (`undefined` when there is no saved copy or it
   * cannot be read): what shapes a request or a view, never what decides a change.
   */
  savedPreference: (key: string) => unknown;
  output: Output;
  prompt: Prompter;
  /** Writes a line to stderr with `--debug`; never pass it a secret. */
  debug: (line: string) => void;
}

/**
 * How the packages only some commands need are imported: Ink and React (cli/ui) to draw on a terminal, conf to write
 * settings. The built CLI runs as a vm script compiled from a code cache (see cli/code-cache.ts), where `import()`
 * would go through Node's experimental loader for vm scripts, so cli/launcher.ts passes imports made from a module of
 * its own. Without them, a plain `import()` from here.
 */
export interface ModuleLoaders {
  ui(): Promise<Ui>;
  conf(): Promise<ConfModule>;
  /** @napi-rs/keyring, a native module: required synchronously, as reading a login is. */
  keyring(): KeyringModule;
}

/** What cli/main.ts gathers from `process`; nothing below it reads `process` itself. */
export interface CliContext {
  argv: readonly string[];
  io: Io;
  env: Env;
  now: () => number;
  configDir: string;
  platform: NodeJS.Platform;
  version: string;
  nodeVersion: string;
  /** This process, for lock files: lets another `shop` take over a lock this one left behind when it died. */
  lockHolder?: LockHolder;
  /** Pauses between retries of a request; tests shorten them. */
  retryDelaysMs?: readonly number[];
  loaders?: ModuleLoaders;
}

export interface DisposableDeps extends CommandDeps {
  /** Closes the HTTP agent, if one was opened, so the process exits without waiting on kept-alive sockets. */
  dispose(): Promise<void>;
}

export function createCommandDeps(context: CliContext, globals: GlobalOptions): DisposableDeps {
  const { io, env } = context;
  const credentialStore = parseCredentialStoreChoice(env.SHOP_CREDENTIAL_STORE);
  if (credentialStore === undefined) {
    throw usageError(`SHOP_CREDENTIAL_STORE is ${JSON.stringify(env.SHOP_CREDENTIAL_STORE)}: it is keyring, file or auto`);
  }
  const config = new ConfigStore(context.configDir, {
    checkFileMode: context.platform !== 'win32',
    loadConf: context.loaders?.conf,
    secrets: createKeyringStore(context.loaders?.keyring ?? loadKeyringModule),
    credentialStore,
  });
  const lock: FileLockOptions = context.lockHolder === undefined ? {} : { holder: context.lockHolder };
  checkLocalFiles(io, config, new Outbox(context.configDir, lock));
  const envToken = env.SHOP_TOKEN === '' ? undefined : env.SHOP_TOKEN;
  const choice = chooseOutput(io, env, { json: globals.json === true, color: globals.color !== false });
  let ui: Promise<Ui> | undefined;
  const loadUi = (): Promise<Ui> => (ui ??= context.loaders?.ui() ?? import('./ui/index.js'));
  // Read only when asked (the locale when a terminal view is drawn, the currency for a product listing). Anything
  // unreadable counts as not set: it only shapes what is shown.
  const savedPreference = (key: string): unknown => {
    try {
      const account = findAccount(accountSources());
      const offlineParts = account === undefined ? undefined : getOffline();
      const saved = account === undefined ? undefined : offlineParts?.cache.account(account).preferences;
      if (account === undefined || offlineParts === undefined || saved === undefined) {
        return undefined;
      }
      const ops = offlineParts.outbox.pendingFor(account).map((entry) => entry.op);
      return projectPreference(saved.value, ops, key)?.value;
    } catch {
      return undefined;
    }
  };
  const output = new Output(io, choice, loadUi, context.now, () => displayLocale(savedPreference('locale'), env));
  const debug = (line: string): void => {
    if (globals.debug === true) {
      io.stderr.write(`[debug] ${line}\n`);
    }
  };

  let server: ResolvedServer | undefined;
  const getServer = (): ResolvedServer =>
    (server ??= resolveServer({
      flag: globals.server,
      env: env.SHOP_SERVER,
      config: () => config.getSetting('server'),
    }));

  // One budget for every request of the command; a bad SHOP_TIMEOUT only stops commands that use the network.
  let budget: TimeBudget | undefined;
  const getBudget = (): TimeBudget => (budget ??= createTimeBudget(timeoutSeconds(globals, env) * 1000, context.now));
  const createApi = (retryNeverSent: boolean): ApiClient =>
    createHttpApiClient({
      transport: createUndiciTransport({
        baseUrl: getServer().url,
        userAgent: `shop/${context.version} node/${context.nodeVersion}`,
        log: debug,
        retryNeverSent,
        budget: getBudget(),
        onRetry: ({ attempt, attempts, error }) => output.retrying(attempt, attempts, error.detail, getServer().url),
        ...(context.retryDelaysMs === undefined ? {} : { retryDelaysMs: context.retryDelaysMs }),
      }),
      store: config,
      envToken,
      now: context.now,
      lock,
    });
  let api: ApiClient | undefined;
  const getApi = (): ApiClient => (api ??= createApi(true));
  // For changes and reads that can fall back on the outbox or a saved copy: no waiting on a server that refuses.
  let fallbackApi: ApiClient | undefined;
  const getFallbackApi = (): ApiClient => (globals.online === true ? getApi() : (fallbackApi ??= createApi(false)));

  // Not output.theme: that reads the saved locale, which a prompt does not need.
  const prompt = createPrompter(io, { color: choice.color });
  let offline: Offline | undefined;
  const accountSources = () => ({ server: getServer().url, config, envToken });
  const getOffline = (): Offline =>
    (offline ??= createOffline({
      directory: context.configDir,
      lock,
      api: getFallbackApi,
      syncApi: getApi,
      account: () => findAccount(accountSources()),
      requireAccount: () => requireAccount(accountSources()),
      server: () => getServer().url,
      online: globals.online === true,
      now: context.now,
      output,
      debug,
      confirmResend: (pending) =>
        prompt.interactive
          ? prompt.confirm(
              `The server has forgotten this device, so it cannot tell which of your ${pending} queued change(s) it already applied. Send them again anyway?`,
            )
          : Promise.resolve(false),
    }));

  return {
    io,
    env,
    now: context.now,
    config,
    server: getServer,
    api: getApi,
    offline: getOffline,
    envToken,
    savedPreference,
    output,
    prompt,
    debug,
    async dispose() {
      await Promise.all([api?.close(), fallbackApi?.close()]);
    },
  };
}

function timeoutSeconds(globals: GlobalOptions, env: CliContext['env']): number {
  if (globals.timeout !== undefined) {
    return globals.timeout;
  }
  const fromEnv = env.SHOP_TIMEOUT;
  if (fromEnv === undefined || fromEnv === '') {
    return DEFAULT_TIMEOUT_SECONDS;
  }
  const seconds = parseTimeoutSeconds(fromEnv);
  if (seconds === undefined) {
    throw usageError(`SHOP_TIMEOUT is ${JSON.stringify(fromEnv)}: give seconds, from 0.1 to 3600, e.g. SHOP_TIMEOUT=30`);
  }
  return seconds;
}

/**
 * Every local file at once, before the command does anything: broken settings and credentials are moved aside and
 * reported together, and the command goes on without them; a broken outbox (queued changes shop must not overwrite)
 * stops it here, before any work, so no command reports success and then fails over it.
 */
function checkLocalFiles(io: Io, config: ConfigStore, outbox: Outbox): void {
  for (const notice of config.setAsideBrokenFiles()) {
    io.stderr.write(`shop: ${notice}\n`);
  }
  outbox.read();
}

/**
 * How commands reach their deps. Command constructors run before commander has parsed the global options the deps
 * depend on (`--json`, `--server`), so they receive this and call it inside their action.
 */
export type DepsProvider = () => CommandDeps;
