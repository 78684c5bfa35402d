/*
 * Seeded garbage for the `shop` command line: arguments, options and stdin lines. Whatever it is given, `shop` ends with
 * a documented exit code, says why on stderr when it fails, and never shows a stack trace or takes its "unexpected
 * error" path. Most runs are in-process (test/helpers/cli.ts); a few spawn the built binary.
 */
import { cpSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import { type RunningApiServer, startApiServer } from '../helpers/api-server.js';
import { makeConfigDir, registerWithCli, runShop, type ShopRun } from '../helpers/cli.js';
import { ensureBuilt, runShell } from '../helpers/cli-binary.js';
import { HOSTILE_STRINGS, hostileNumberText, hostileString, KNOWN_SKUS } from './helpers/arbitraries.js';
import { tally } from './helpers/figures.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

interface Garbage {
  argv: string[];
  stdin: string;
}

const internals = {
  seed: 20_260_102,
  runTimeoutMs: 15_000,
  /** Every exit code README.md documents, except 130 (Ctrl-C at a prompt), which garbage cannot cause. */
  documentedCodes: [0, 1, 2, 3, 4],
  stackTrace: /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m,

  /** Command paths `shop` knows. `logout` is left out: a fuzzed `logout --all` would end the session every later run borrows. */
  commands: [
    [],
    ['products'],
    ['products', 'show'],
    ['cart'],
    ['cart', 'list'],
    ['cart', 'add'],
    ['cart', 'set'],
    ['cart', 'remove'],
    ['cart', 'clear'],
    ['prefs'],
    ['prefs', 'list'],
    ['prefs', 'get'],
    ['prefs', 'set'],
    ['prefs', 'unset'],
    ['config', 'list'],
    ['config', 'get'],
    ['config', 'set'],
    ['config', 'unset'],
    ['whoami'],
    ['status'],
    ['login'],
    ['register'],
    ['sync'],
    ['queue'],
    ['queue', 'list'],
    ['queue', 'drop'],
    ['queue', 'retry'],
    // Garbage on stdin is never the session's password, so these are refused before or by the server.
    ['account', 'password'],
    ['account', 'export'],
    ['account', 'delete'],
  ],

  /** Options, real and not; `--debug` is left out because it is meant to show stacks, `--server` because garbage hosts would wait on DNS. */
  options: [
    ...['--json', '--no-color', '--yes', '--all', '--email', '--password-stdin', '--with-token', '--limit', '--offset', '--online'],
    ...['-h', '--help', '-V', '--version', '--bogus', '-x', '--', '-', '--json=1', '--limit=-1', '--yes=no'],
  ],

  problems(run: ShopRun): string[] {
    const found: string[] = [];
    if (!internals.documentedCodes.includes(run.code)) {
      found.push(`exit code ${run.code}`);
    }
    if (internals.stackTrace.test(run.stderr) || internals.stackTrace.test(run.stdout)) {
      found.push('a stack trace');
    }
    if (/^shop: unexpected error/m.test(run.stderr)) {
      found.push('the unexpected-error path');
    }
    if (run.code !== 0 && run.stderr.trim() === '') {
      found.push('a failure without a message');
    }
    if (run.code === 3) {
      // Exit 3 means the server could not be reached; the server in these tests always can be.
      found.push('exit 3 (unreachable) while the server was up');
    }
    return found;
  },
};

const value = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumberText },
  { weight: 2, arbitrary: fc.constantFrom(...KNOWN_SKUS, 'server', 'theme', 'currency', 'locale', '-') },
);

const stdin = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.oneof(hostileString, fc.tuple(fc.constantFrom(...KNOWN_SKUS), hostileNumberText).map(([sku, quantity]) => `${sku} ${quantity}`)), { maxLength: 6 })
    .map((lines) => lines.join('\n')),
  fc.array(fc.constantFrom(...HOSTILE_STRINGS), { maxLength: 4 }).map((lines) => lines.join('\r\n')),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

/** Commands with as many arguments as they take, filled with garbage: these get past commander to the code behind it. */
const wellFormed: fc.Arbitrary<string[]> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(['products'], ['products', 'show'], ['cart', 'add'], ['cart', 'remove'], ['prefs', 'get'], ['prefs', 'unset']),
      value,
    )
    .map(([command, arg]) => [...command, arg]),
  fc.tuple(fc.constantFrom(['config', 'get'], ['config', 'unset'], ['queue', 'drop']), value).map(([command, arg]) => [...command, arg]),
  fc.tuple(fc.constantFrom(['cart', 'add'], ['cart', 'set'], ['prefs', 'set'], ['config', 'set']), value, value).map(([command, a, b]) => [...command, a, b]),
  fc.constant<string[]>(['cart', 'add', '-']),
  fc.tuple(fc.constantFrom(['login'], ['register']), value).map(([command, email]) => [...command, '--email', email, '--password-stdin']),
  fc.constant<string[]>(['login', '--with-token']),
  fc.tuple(value, value).map(([limit, offset]) => ['products', '--limit', limit, '--offset', offset]),
);

/** Anything at all after a command path. */
const scrambled: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.constantFrom(...internals.commands),
    fc.array(fc.oneof({ weight: 3, arbitrary: value }, { weight: 1, arbitrary: fc.constantFrom(...internals.options) }), { maxLength: 5 }),
  )
  .map(([command, args]) => [...command, ...args]);

const garbage: fc.Arbitrary<Garbage> = fc
  .record({
    argv: fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 2, arbitrary: scrambled }),
    json: fc.boolean(),
    stdin,
  })
  .map(({ argv, json, stdin: input }) => ({ argv: json ? [...argv, '--json'] : argv, stdin: input }));

describe('the shop command line, given garbage', () => {
  let api: RunningApiServer;
  let template: { path: string; remove(): Promise<void> };
  const counts = { runs: 0, 'stack traces': 0, 'unexpected errors': 0, 'undocumented exit codes': 0, 'silent failures': 0, 'false unreachables': 0 };

  /** Runs `shop` on a copy of the logged-in config directory, so no run can spoil the next. */
  const runOnCopy = async (argv: readonly string[], stdin: string, env: Record<string, string> = {}): Promise<ShopRun> => {
    const dir = await makeConfigDir();
    try {
      cpSync(template.path, dir.path, { recursive: true });
      const run = runShop(argv, { server: api.url, configDir: dir.path, stdin, env });
      return await Promise.race([
        run,
        sleep(internals.runTimeoutMs).then((): ShopRun => ({ code: -1, stdout: '', stderr: `did not finish within ${internals.runTimeoutMs} ms` })),
      ]);
    } finally {
      await dir.remove();
    }
  };

  const record = (problems: string[]): void => {
    counts.runs++;
    counts['stack traces'] += problems.includes('a stack trace') ? 1 : 0;
    counts['unexpected errors'] += problems.includes('the unexpected-error path') ? 1 : 0;
    counts['undocumented exit codes'] += problems.some((problem) => problem.startsWith('exit code')) ? 1 : 0;
    counts['silent failures'] += problems.includes('a failure without a message') ? 1 : 0;
    counts['false unreachables'] += problems.some((problem) => problem.startsWith('exit 3')) ? 1 : 0;
  };

  before(async () => {
    api = await startApiServer();
    template = await makeConfigDir();
    await registerWithCli(api.url, template.path);
  });

  after(async () => {
    tally('cli', 'in-process and spawned', counts);
    await template.remove();
    await api.stop();
  });

  it('answers 600 runs of garbage arguments and stdin with a documented exit code and a message, never a stack trace', async () => {
    const found: string[] = [];
    await fc.assert(
      fc.asyncProperty(garbage, async ({ argv, stdin }) => {
        const run = await runOnCopy(argv, stdin);
        const problems = internals.problems(run);
        record(problems);
        if (problems.length > 0) {
          found.push(`shop ${JSON.stringify(argv)} <<< ${JSON.stringify(stdin.slice(0, 60))}: ${problems.join(', ')} (exit ${run.code}) ${run.stderr.slice(0, 300)}`);
        }
      }),
      { seed: internals.seed, numRuns: 600 },
    );
    expect(found.slice(0, 8), `${found.length} runs went wrong`).to.equal([]);
  });

  it('refuses garbage in the shape of a usage error with exit code 2 and says what is wrong', async () => {
    const usage: string[][] = [
      ['--bogus'],
      ['cart', 'add'],
      ['cart', 'add', 'MUG-BLUE', '-5'],
      ['cart', 'add', 'MUG-BLUE', '1.5'],
      ['cart', 'add', 'MUG-BLUE', '1e999'],
      ['cart', 'add', 'MUG-BLUE', '٣'],
      ['cart', 'add', "MUG-BLUE'; DROP TABLE cart_lines; --", '1'],
      ['cart', 'set', 'MUG-BLUE'],
      ['cart', 'set', 'MUG-BLUE', '-1'],
      ['cart', 'clear'],
      ['prefs', 'set', 'Not A Key', 'x'],
      ['prefs', 'get', '__proto__'],
      ['config', 'set', 'server', 'javascript:alert(1)'],
      ['config', 'set', '__proto__', 'x'],
      ['products', '--limit', '-1'],
      ['products', '--limit', 'NaN'],
      ['products', '--offset', '1e999'],
      ['nonsense', 'command'],
      ['login'],
    ];
    const wrong: string[] = [];
    for (const argv of usage) {
      const run = await runOnCopy(argv, '');
      record(internals.problems(run));
      if (run.code !== 2 || run.stderr.trim() === '' || internals.stackTrace.test(run.stderr)) {
        wrong.push(`shop ${JSON.stringify(argv)} → exit ${run.code}: ${run.stderr.slice(0, 200)}`);
      }
    }
    expect(wrong).to.equal([]);
  });

  it('reports every garbage line of `shop cart add -` by line number and exits 1, adding only the good lines', async () => {
    const lines = [
      'MUG-BLUE 2',
      "MUG-BLUE'; DROP TABLE cart_lines; --",
      'MUG-BLUE -3',
      'MUG-BLUE 1.5',
      '\u0000',
      'NO-SUCH-SKU 1',
      'MUG-BLUE 99999999999999999999',
      `${'A'.repeat(5000)} 1`,
      'TEE-BLACK-M',
    ];
    const run = await runOnCopy(['cart', 'add', '-', '--json'], lines.join('\n'));
    record(internals.problems(run));
    expect(run.code).to.equal(1);
    expect(run.stderr).to.not.match(internals.stackTrace);
    for (const line of [2, 3, 4, 6, 7, 8]) {
      expect(run.stderr).to.include(`line ${line}`);
    }
    const cart = (await runOnCopy(['cart', '--json'], '')).stdout;
    const quantities = Object.fromEntries((JSON.parse(cart) as { lines: Array<{ sku: string; quantity: number }> }).lines.map((line) => [line.sku, line.quantity]));
    expect(quantities['MUG-BLUE'] ?? 0).to.be.at.least(2);
    expect(quantities['TEE-BLACK-M'] ?? 0).to.be.at.least(1);
  });

  it('calls an access token with spaces, line breaks or control characters a bad token, not an unreachable server', async () => {
    const tokens = ['abc\u0001def', 'eyJhbGciOiJIUzI1NiJ9.e30.sig\nsecond line', 'eyJ\u0000'];
    const wrong: string[] = [];
    for (const token of tokens) {
      const runs = [
        ['login --with-token', await runOnCopy(['login', '--with-token'], `${token}\n`)],
        ['SHOP_TOKEN', await runOnCopy(['cart'], '', { SHOP_TOKEN: token })],
      ] as const;
      for (const [how, run] of runs) {
        record(internals.problems(run));
        if (![1, 2, 4].includes(run.code) || /cannot reach/.test(run.stderr) || run.stderr.trim() === '') {
          wrong.push(`${how} ${JSON.stringify(token)} → exit ${run.code}: ${run.stderr.trim()}`);
        }
      }
    }
    expect(wrong).to.equal([]);
  });

  describe('the built binary', () => {
    before(() => ensureBuilt());

    const cases: Array<[string, string, number[]]> = [
      ['an unknown option', 'shop --bogus', [2]],
      ['a negative quantity', "shop cart add MUG-BLUE -- -5", [2]],
      ['an argument of ten thousand characters', `shop cart add ${'X'.repeat(10_000)} 1`, [1, 2]],
      ['control characters in a preference', "shop prefs set \"$(printf 'a\\001\\002')\" \"$(printf '\\033[2J')\"", [1, 2]],
      ['binary garbage on stdin', "printf '\\377\\376\\000garbage\\nMUG-BLUE -1\\n' | shop cart add -", [1]],
      ['a password of garbage bytes on stdin', "printf '\\377\\000' | shop login --email not-an-email --password-stdin", [1, 2]],
      ['an access token of garbage on stdin', "printf 'eyJhbGciOiJub25lIn0.e30.' | shop login --with-token", [1, 2, 4]],
      ['a server URL that is not one', "shop config set server 'file:///etc/passwd'", [2]],
    ];
    for (const [name, commandLine, codes] of cases) {
      it(`exits ${codes.join(' or ')} on ${name}, with a message and no stack trace`, async () => {
        const dir = await makeConfigDir();
        try {
          cpSync(template.path, dir.path, { recursive: true });
          const run = await runShell(commandLine, { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path });
          const code = run.code ?? -1;
          record(internals.problems({ code, stdout: run.stdout, stderr: run.stderr }));
          expect(codes, run.stderr).to.include(code);
          expect(run.stderr.trim()).to.not.equal('');
          expect(run.stderr).to.not.match(internals.stackTrace);
        } finally {
          await dir.remove();
        }
      });
    }
  });
});
