import type { ApiClient } from './api/client.js';
import { createHttpApiClient } from './api/http-client.js';
import { createUndiciTransport } from './api/transport.js';
import type { Env, Io } from './io.js';
import { findAccount, requireAccount } from './offline/accounts.js';
import { createOffline, type Offline } from './offline/offline.js';
import { chooseOutput, Output, type Ui } from './output.js';
import { createPrompter, type Prompter } from './prompts.js';
import { resolveServer, type ResolvedServer } from './server-url.js';
import { type ConfModule, ConfigStore } from './store/config-store.js';
import type { FileLockOptions, LockHolder } from './store/file-lock.js';

/** Options every command accepts, parsed by commander on the root program. */
export interface GlobalOptions {
  server?: string;
  json?: boolean;
  /** `--no-color` sets this to false. */
  color?: boolean;
  debug?: boolean;
  /** Fail (exit 3) instead of queueing a change or showing a saved copy when the server cannot be reached. */
  online?: boolean;
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
  const config = new ConfigStore(context.configDir, { checkFileMode: context.platform !== 'win32', loadConf: context.loaders?.conf });
  const lock: FileLockOptions = context.lockHolder === undefined ? {} : { holder: context.lockHolder };
  const envToken = env.SHOP_TOKEN === '' ? undefined : env.SHOP_TOKEN;
  const choice = chooseOutput(io, env, { json: globals.json === true, color: globals.color !== false });
  let ui: Promise<Ui> | undefined;
  const loadUi = (): Promise<Ui> => (ui ??= context.loaders?.ui() ?? import('./ui/index.js'));
  const output = new Output(io, choice, loadUi);
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

  const createApi = (retryNeverSent: boolean): ApiClient =>
    createHttpApiClient({
      transport: createUndiciTransport({
        baseUrl: getServer().url,
        userAgent: `shop/${context.version} node/${context.nodeVersion}`,
        log: debug,
        retryNeverSent,
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

  const prompt = createPrompter(io, output.theme, loadUi);
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
    output,
    prompt,
    debug,
    async dispose() {
      await Promise.all([api?.close(), fallbackApi?.close()]);
    },
  };
}

/**
 * How commands reach their deps. Command constructors run before commander has parsed the global options the deps
 * depend on (`--json`, `--server`), so they receive this and call it inside their action.
 */
export type DepsProvider = () => CommandDeps;
