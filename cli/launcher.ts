#!/usr/bin/env node
/**
 * The `shop` executable, built into dist/cli/shop.cjs beside the CLI bundle (dist/cli/main.cjs, from cli/main.ts) and
 * the Ink views (dist/cli/ui.mjs, from cli/ui/index.ts); see scripts/build-cli.ts. Scripts run `shop` in loops, so
 * start-up is what this file is about: it answers `--version` without loading the bundle, and compiles the bundle
 * from the code cache an earlier run left (cli/code-cache.ts).
 */
import { existsSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

import { requireWithCodeCache } from './code-cache.js';
import type { ModuleLoaders } from './deps.js';
import type { main } from './main.js';
import type { Ui } from './views/view.js';
import { resolveCacheDir } from './store/paths.js';
import { readVersion } from './version.js';

/** A hash of dist/cli/main.cjs, put here by scripts/build-cli.ts: names the code cache that fits it. */
declare const SHOP_BUNDLE_HASH: string;

const internals = {
  bundle: fileURLToPath(new URL('./main.cjs', import.meta.url)),
  /** Outside the bundle: it imports Ink and React, and only to draw on a terminal. */
  uiModule: new URL('./ui.mjs', import.meta.url).href,

  /**
   * The command a line runs, as far as the code cache cares: its first word that looks like a command name (options'
   * values — a URL, a number of seconds — do not), or `shop` for none.
   */
  commandWord(args: readonly string[]): string {
    return args.find((arg) => /^[a-z][a-z-]{0,23}$/.test(arg)) ?? 'shop';
  },

  /**
   * Where this build's code cache for this command is kept for this Node; undefined when there is nowhere to keep it.
   * One cache per command: V8 caches the functions a run compiled, so a cache left by `shop login` holds little of
   * what `shop cart list` runs, which then compiles the rest on every call (~10 ms here). Each is ~0.2–0.5 MB.
   */
  codeCacheFile(args: readonly string[]): string | undefined {
    const home = homedir();
    const directory = resolveCacheDir(process.env, process.platform, home);
    // HOME=/nonexistent (services, the tests) says there is no home: not one to create for a cache.
    if (directory.startsWith(home) && !existsSync(home)) {
      return undefined;
    }
    return join(directory, 'code-cache', `${SHOP_BUNDLE_HASH}-${internals.commandWord(args)}-node${process.versions.node}-${process.arch}.bin`);
  },
};

/** Imported from this module, which Node loaded itself, rather than from the bundle: see ModuleLoaders. */
const loaders: ModuleLoaders = {
  ui: () => {
    // Node 22.1+ caches compiled ES modules, the ~500 that Ink and React load among them; Node 20 has no such cache.
    (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
    return import(internals.uiModule) as Promise<Ui>;
  },
  conf: () => import('conf'),
  keyring: () => createRequire(import.meta.url)('@napi-rs/keyring') as ReturnType<ModuleLoaders['keyring']>,
};

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${readVersion()}\n`);
} else {
  // undici parses HTTP with llhttp compiled to WebAssembly. V8 compiles it quickly for a first run, then optimises it
  // again in the background — and Node waits for that before exiting: ~40 ms on every `shop` that made a request,
  // for speed a CLI sending a handful of requests never uses. Set before the bundle is compiled: V8 only takes a code
  // cache made under the same flags.
  v8.setFlagsFromString('--liftoff-only');

  let cli: { main: typeof main };
  if (argv.includes('--debug')) {
    // Stack traces that point into cli/*.ts rather than the bundle, for the runs that show them; Node maps them for
    // files it loads itself, not for vm scripts, and reading the map costs time every other run can keep.
    process.setSourceMapsEnabled(true);
    cli = createRequire(import.meta.url)(internals.bundle) as typeof cli;
  } else {
    const loaded = requireWithCodeCache(internals.bundle, internals.codeCacheFile(argv), () => Date.now());
    if (loaded.saveCache !== undefined) {
      process.once('exit', loaded.saveCache);
    }
    cli = loaded.exports as typeof cli;
  }
  void cli.main(loaders);
}
