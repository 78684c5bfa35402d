import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The built `shop` bin, as npm links it (scripts/build-cli.ts builds it). */
export const SHOP_BIN = resolve('dist/cli/shop.cjs');
/** The built `shop-server` bin. */
export const SERVER_BIN = resolve('dist/server/main.js');

export interface BinaryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Builds dist/ when the sources are newer than the built bins. `npm test` builds before running tests; this keeps a
 * single test file runnable on its own. Type errors elsewhere in the tree do not stop tsc from emitting.
 */
export async function ensureBuilt(): Promise<void> {
  const built = [SHOP_BIN, SERVER_BIN].every((bin) => modifiedAt(bin) !== undefined);
  if (built && newest(['dist/cli', 'dist/shared', 'dist/server'], /\.[cm]?js$/) >= newest(['cli', 'shared', 'server'], /(?<!\.d)\.tsx?$/)) {
    return;
  }
  await promisify(execFile)(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']).catch(
    () => undefined,
  );
  // esbuild does not typecheck: type errors do not stop the CLI build either.
  await promisify(execFile)(process.execPath, ['--import', 'tsx', resolve('scripts/build-cli.ts')]);
  for (const bin of [SHOP_BIN, SERVER_BIN]) {
    if (modifiedAt(bin) === undefined) {
      throw new Error(`npm run build did not produce ${bin}`);
    }
  }
}

/**
 * Starts the built bin directly — no shell in between — so a test can SIGKILL `shop` itself at a moment of its
 * choosing. The environment holds only what is given.
 */
export function spawnShop(args: readonly string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [SHOP_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
    stdio: 'pipe',
  });
}

/**
 * Runs a shell command line — so pipelines are real pipelines — where `shop` is the built bin run by this node, in
 * an environment holding only what is given (no NODE_OPTIONS from the test runner, no user config).
 */
export function runShell(commandLine: string, env: Record<string, string>): Promise<BinaryRun> {
  const shop = `shop() { '${process.execPath}' '${SHOP_BIN}' "$@"; }`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/bin/sh', ['-c', `${shop}\n${commandLine}`], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function modifiedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newest(directories: string[], pattern: RegExp): number {
  let latest = 0;
  const visit = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        visit(path);
      } else if (pattern.test(entry.name)) {
        latest = Math.max(latest, statSync(path).mtimeMs);
      }
    }
  };
  directories.forEach(visit);
  return latest;
}
