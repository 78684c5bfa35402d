/**
 * Builds the `shop` executable into dist/cli/ (part of `npm run build`; tsc builds the server):
 *
 *   main.cjs  cli/main.ts with all of cli/, shared/, commander and undici: one file, so a `shop` call reads and
 *             compiles one script rather than resolving and loading ~90 modules, from a V8 code cache per command
 *   ui.mjs    cli/ui/index.ts, the Ink views; Ink and React stay in node_modules, imported only to draw on a terminal
 *   shop.cjs  cli/launcher.ts, the bin: `--version`, then main.cjs compiled from its code cache
 *
 * Not minified, and with source maps beside them (`shop --debug` uses them), so stack traces stay readable.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { build, type BuildOptions, type Metafile, type OnResolveArgs, type Plugin } from 'esbuild';

const internals = {
  outdir: 'dist/cli',
  outputs: ['main.cjs', 'ui.mjs', 'shop.cjs'],
  /** Packages the bundle must import at run time, never contain: each costs hundreds of ms to load. */
  neverBundled: /^node_modules\/(ink|react|conf)\//,

  common: {
    bundle: true,
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
    metafile: true,
  } satisfies BuildOptions,

  /**
   * CommonJS has no import.meta; the two files built as CommonJS get its `url` from their own path. The banner goes
   * before esbuild's "use strict", so it says it again: the sources are ES modules, which are strict.
   */
  commonJs: {
    format: 'cjs',
    define: { 'import.meta.url': 'import_meta_url' },
    banner: { js: '"use strict";\nconst import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  } satisfies BuildOptions,

  /**
   * The imports main.cjs leaves to run time: the Ink views (built on their own), and undici's public entry, which
   * cli/api/load-undici.ts falls back on only when run from source — the bundle has the two files it wants.
   */
  leaveOut: {
    name: 'leave-out',
    setup(build) {
      build.onResolve({ filter: /^\.\/ui\/index\.js$/ }, () => ({ path: './ui.mjs', external: true }));
      build.onResolve({ filter: /^undici$/ }, (args) => ({ path: args.path, external: true }));
    },
  } satisfies Plugin,

  /**
   * Two requires that cost every `shop` call ~4 ms of Node built-ins for code it never runs: undici's HTTP/2 client
   * (node:http2 and node:tls; shop's agent never offers HTTP/2) and commander's node:child_process (for executable
   * subcommands, which shop has none of). Each gets a stand-in that requires the real module when first used.
   */
  deferRequires: {
    name: 'defer-requires',
    setup(build) {
      const deferIn = (importer: RegExp) => (args: OnResolveArgs) =>
        importer.test(args.importer) ? { path: args.path, namespace: 'deferred', pluginData: args.resolveDir } : undefined;
      build.onResolve({ filter: /^\.\/client-h2\.js$/ }, deferIn(/undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/));
      build.onResolve({ filter: /^node:child_process$/ }, deferIn(/commander[\\/]lib[\\/]command\.js$/));
      build.onLoad({ filter: /./, namespace: 'deferred' }, (args) => ({
        // Called (client-h2 exports a function) or read from (child_process.spawn): either loads the real module.
        contents: `let real;
const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy(function () {}, { apply: (_, self, params) => Reflect.apply(load(), self, params), get: (_, key) => load()[key] });`,
        loader: 'js',
        resolveDir: args.pluginData as string,
      }));
    },
  } satisfies Plugin,

  /**
   * node:assert costs every `shop` call that makes a request ~1.5 ms (its error class, call tracker, colours), and
   * undici only ever calls `assert(condition)`. The stand-in returns at once when the condition holds and hands
   * anything else (a failed check, any other use) to the real module, so failures throw exactly what they did.
   */
  lazyAssert: {
    name: 'lazy-assert',
    setup(build) {
      build.onResolve({ filter: /^node:assert$/ }, (args) =>
        /undici[\\/]lib[\\/]/.test(args.importer) ? { path: 'assert', namespace: 'lazy-assert' } : undefined,
      );
      build.onLoad({ filter: /./, namespace: 'lazy-assert' }, () => ({
        contents: `let real;
const load = () => (real ??= require('node:assert'));
module.exports = new Proxy(function assert() {}, {
  apply: (_, self, params) => (params.length > 0 && params[0] ? undefined : Reflect.apply(load(), self, params)),
  get: (_, key) => load()[key],
});`,
        loader: 'js',
      }));
    },
  } satisfies Plugin,

  /**
   * undici requires node:http at load for two things a client rarely needs: `IncomingMessage`, compared against when
   * it destroys a stream, and `http.maxHeaderSize`, the default for a client given none (shop's transport gives one).
   * Loading node:http (its agent, client, server and parser) costs ~2 ms; these edits read both from it when first
   * needed instead. Each edit must find its text: a later undici that moved it fails the build rather than silently
   * loading more.
   */
  lazyHttp: {
    name: 'lazy-http',
    setup(build) {
      const edits: Array<{ file: RegExp; replace: Array<[string, string]> }> = [
        {
          file: /undici[\\/]lib[\\/]core[\\/]util\.js$/,
          replace: [
            ["const { IncomingMessage } = require('node:http')\n", ''],
            ['.constructor === IncomingMessage)', ".constructor === require('node:http').IncomingMessage)"],
          ],
        },
        {
          file: /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
          replace: [
            ["const http = require('node:http')\n", ''],
            [
              `const getDefaultNodeMaxHeaderSize = http &&
  http.maxHeaderSize &&
  Number.isInteger(http.maxHeaderSize) &&
  http.maxHeaderSize > 0
  ? () => http.maxHeaderSize
  : () => { throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid') }`,
              `const getDefaultNodeMaxHeaderSize = () => {
  const http = require('node:http')
  if (http && http.maxHeaderSize && Number.isInteger(http.maxHeaderSize) && http.maxHeaderSize > 0) {
    return http.maxHeaderSize
  }
  throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid')
}`,
            ],
          ],
        },
      ];
      for (const { file, replace } of edits) {
        build.onLoad({ filter: file }, (args) => {
          let contents = readFileSync(args.path, 'utf8');
          for (const [from, to] of replace) {
            if (!contents.includes(from)) {
              throw new Error(`${args.path} no longer contains ${JSON.stringify(from.slice(0, 60))}: update lazyHttp in scripts/build-cli.ts`);
            }
            contents = contents.replace(from, to);
          }
          return { contents, loader: 'js' };
        });
      }
    },
  } satisfies Plugin,

  checkBundle(metafile: Metafile): void {
    const wrong = Object.keys(metafile.inputs).filter((input) => internals.neverBundled.test(input) || input.startsWith('cli/ui/'));
    if (wrong.length > 0) {
      throw new Error(`dist/cli/main.cjs must not contain Ink, React, conf or the Ink views, but has ${wrong.join(', ')}`);
    }
  },
};

export async function buildCli(): Promise<void> {
  const [main] = await Promise.all([
    build({
      ...internals.common,
      ...internals.commonJs,
      entryPoints: ['cli/main.ts'],
      outfile: join(internals.outdir, 'main.cjs'),
      external: ['ink', 'react', 'conf'],
      plugins: [internals.leaveOut, internals.deferRequires, internals.lazyAssert, internals.lazyHttp],
    }),
    build({
      ...internals.common,
      format: 'esm',
      packages: 'external',
      entryPoints: ['cli/ui/index.ts'],
      outfile: join(internals.outdir, 'ui.mjs'),
    }),
  ]);
  internals.checkBundle(main.metafile);
  const hash = createHash('sha256').update(readFileSync(join(internals.outdir, 'main.cjs'))).digest('hex').slice(0, 16);
  await build({
    ...internals.common,
    ...internals.commonJs,
    define: { ...internals.commonJs.define, SHOP_BUNDLE_HASH: JSON.stringify(hash) },
    packages: 'external',
    entryPoints: ['cli/launcher.ts'],
    outfile: join(internals.outdir, 'shop.cjs'),
  });
  // What an earlier build left: the modules tsc used to compile one by one, outputs since renamed.
  for (const name of readdirSync(internals.outdir)) {
    if (!internals.outputs.some((output) => name === output || name === `${output}.map`)) {
      rmSync(join(internals.outdir, name), { recursive: true, force: true });
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildCli();
}
