import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constants, Script } from 'node:vm';

export interface LoadedFile {
  /** What the file put in `module.exports`. */
  exports: unknown;
  /**
   * Writes the code cache for the next run; present when this run had none it could use (the first run, or the
   * first after shop or Node changed). Call it when the work is done — on exit — because V8 compiles functions when
   * they are first called: a cache taken at the end holds everything this run compiled, not only the top level.
   */
  saveCache?: () => void;
}

type CommonJsWrapper = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

const internals = {
  /** Caches of other builds of shop, or other Node versions, are deleted once this old: each is about half a megabyte. */
  staleAfterMs: 30 * 24 * 60 * 60 * 1000,

  read(cacheFile: string): Buffer | undefined {
    try {
      return readFileSync(cacheFile);
    } catch {
      return undefined;
    }
  },

  write(cacheFile: string, data: Buffer, now: number): void {
    try {
      const directory = dirname(cacheFile);
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      // Another `shop` may be reading it: write aside and rename over it, so a reader sees the old file or the new one.
      const temporary = `${cacheFile}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temporary, data, { mode: 0o600, flag: 'wx' }); // 'wx': never through a planted link
      renameSync(temporary, cacheFile);
      for (const name of readdirSync(directory)) {
        const path = join(directory, name);
        if (path !== cacheFile && now - statSync(path).mtimeMs > internals.staleAfterMs) {
          rmSync(path, { force: true });
        }
      }
    } catch {
      // A cache that cannot be written costs speed, never the command: the next run compiles again.
    }
  },
};

/**
 * Runs a CommonJS file as `require` would — the same wrapper, `require`, `module` and `__filename` — but compiled
 * from the V8 code cache in `cacheFile` when an earlier run left one that fits: about 11 ms less per `shop` call for
 * the bundled CLI. Node 22.1+ has a compile cache of its own, but it serialises a module right after compiling it,
 * before any function in it has been compiled; for a bundle, whose code is nearly all functions, that holds little.
 *
 * `cacheFile` must name this exact file content: V8 checks that a cache was made by the same V8 with the same flags,
 * but of the source only its length.
 */
export function requireWithCodeCache(file: string, cacheFile: string | undefined, now: () => number): LoadedFile {
  const source = readFileSync(file, 'utf8');
  const cachedData = cacheFile === undefined ? undefined : internals.read(cacheFile);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
    // Node's experimental loader for vm scripts, which warns when used: the bundle's imports of packages go through
    // ModuleLoaders (cli/deps.ts) instead. It is here so that an import() added to the bundle later still works.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as CommonJsWrapper).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const usedCache = cachedData !== undefined && script.cachedDataRejected !== true;
  if (cacheFile === undefined || usedCache) {
    return { exports: module.exports };
  }
  return { exports: module.exports, saveCache: () => internals.write(cacheFile, script.createCachedData(), now()) };
}
