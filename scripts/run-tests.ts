/**
 * `npm test`: typecheck, build the bins (the CLI end-to-end tests spawn them), start one throwaway Postgres for the
 * whole run unless one is given, run every `test/**\/*.test.ts` with lab, and end with `N passed, N failed`.
 *
 *   npm test                              everything
 *   npm test -- test/server/cart.test.ts  just these files
 *
 * Postgres: `SHOP_TEST_PG_ADMIN_URL` (or a postgres `DATABASE_URL`) names a server the tests may create databases on;
 * otherwise a cluster is started with initdb/pg_ctl in a temporary directory and removed afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { startPostgresCluster } from '../test/helpers/postgres.js';

const internals = {
  /**
   * Globals lab may find that no test leaked: hapi-swagger requires swagger-ui-dist, whose entry point evaluates the
   * browser bundle of Swagger UI and leaves these behind (swagger-api/swagger-ui#3291).
   */
  knownGlobals: ['CSS', '__core-js_shared__', 'Symbol(react-redux-context)'].join(','),
};

interface LabReport {
  tests: Record<string, { title: string; err: string | false }[]>;
  errors?: { message: string }[];
}

function findTests(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? findTests(path) : name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : findTests('test');
  const bin = (name: string) => join('node_modules', '.bin', name);

  if ((await run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) !== 0) {
    console.error('typecheck failed');
    console.log('0 passed, 1 failed');
    return 1;
  }
  const built =
    (await run(bin('tsc'), ['-p', 'tsconfig.build.json'])) === 0 && (await run(process.execPath, ['--import', 'tsx', 'scripts/build-cli.ts'])) === 0;
  if (!built) {
    console.error('build failed');
    console.log('0 passed, 1 failed');
    return 1;
  }

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim() };
  let stopPostgres: (() => Promise<void>) | undefined;
  const givenUrl = process.env.SHOP_TEST_PG_ADMIN_URL ?? (/^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL : undefined);
  if (givenUrl) {
    env.SHOP_TEST_PG_ADMIN_URL = givenUrl;
  } else {
    const started = Date.now();
    const cluster = await startPostgresCluster();
    env.SHOP_TEST_PG_ADMIN_URL = cluster.adminUrl;
    stopPostgres = () => cluster.stop();
    console.error(`test Postgres started in ${Date.now() - started} ms`);
  }
  // Tests open databases themselves; a DATABASE_URL meant for a server must not leak into them.
  delete env.DATABASE_URL;
  // Ink renders only the final frame when it believes it runs in CI, so the CLI's simulated-terminal tests (prompts,
  // confirmations) would never see their questions. The tests need no CI switch of their own: Postgres is always
  // required, never skipped.
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;

  const reportDir = mkdtempSync(join(tmpdir(), 'shop-lab-'));
  const reportFile = join(reportDir, 'report.json');
  let code: number;
  try {
    code = await run(
      bin('lab'),
      ['--assert', '@hapi/code', '--timeout', '60000', '--shuffle', '--seed', '1', '--globals', internals.knownGlobals, '-r', 'console', '-o', 'stdout', '-r', 'json', '-o', reportFile, ...files],
      env,
    );
  } finally {
    await stopPostgres?.();
  }

  let passed = 0;
  let failed = 0;
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as LabReport;
    for (const tests of Object.values(report.tests)) {
      for (const test of tests) {
        test.err ? failed++ : passed++;
      }
    }
    failed += report.errors?.length ?? 0;
  } catch {
    failed += 1; // lab died before writing its report
  }
  rmSync(reportDir, { recursive: true, force: true });
  if (code !== 0 && failed === 0) {
    failed = 1; // e.g. leaked globals or a crash outside any test
  }
  console.log(`ran ${files.length} files: ${files.map((file) => relative('.', file)).join(' ')}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
