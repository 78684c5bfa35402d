import type { ApiClient } from './api/client.js';
import { createHttpApiClient } from './api/http-client.js';
import { createUndiciTransport } from './api/transport.js';
import type { Env, Io } from './io.js';
import { chooseOutput, Output, type Ui } from './output.js';
import { createPrompter, type Prompter } from './prompts.js';
import { resolveServer, type ResolvedServer } from './server-url.js';
import { ConfigStore } from './store/config-store.js';

/** Options every command accepts, parsed by commander on the root program. */
export interface GlobalOptions {
  server?: string;
  json?: boolean;
  /** `--no-color` sets this to false. */
  color?: boolean;
  debug?: boolean;
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
  output: Output;
  prompt: Prompter;
  /** Writes a line to stderr with `--debug`; never pass it a secret. */
  debug: (line: string) => void;
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
  /** Pauses between retries of a request; tests shorten them. */
  retryDelaysMs?: readonly number[];
}

export interface DisposableDeps extends CommandDeps {
  /** Closes the HTTP agent, if one was opened, so the process exits without waiting on kept-alive sockets. */
  dispose(): Promise<void>;
}

export function createCommandDeps(context: CliContext, globals: GlobalOptions): DisposableDeps {
  const { io, env } = context;
  const config = new ConfigStore(context.configDir, { checkFileMode: context.platform !== 'win32' });
  const choice = chooseOutput(io, env, { json: globals.json === true, color: globals.color !== false });
  let ui: Promise<Ui> | undefined;
  const loadUi = (): Promise<Ui> => (ui ??= import('./ui/index.js'));
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

  let api: ApiClient | undefined;
  const getApi = (): ApiClient =>
    (api ??= createHttpApiClient({
      transport: createUndiciTransport({
        baseUrl: getServer().url,
        userAgent: `shop/${context.version} node/${context.nodeVersion}`,
        log: debug,
        ...(context.retryDelaysMs === undefined ? {} : { retryDelaysMs: context.retryDelaysMs }),
      }),
      store: config,
      envToken: env.SHOP_TOKEN === '' ? undefined : env.SHOP_TOKEN,
      now: context.now,
    }));

  return {
    io,
    env,
    now: context.now,
    config,
    server: getServer,
    api: getApi,
    output,
    prompt: createPrompter(io, output.theme, loadUi),
    debug,
    async dispose() {
      await api?.close();
    },
  };
}

/**
 * How commands reach their deps. Command constructors run before commander has parsed the global options the deps
 * depend on (`--json`, `--server`), so they receive this and call it inside their action.
 */
export type DepsProvider = () => CommandDeps;
