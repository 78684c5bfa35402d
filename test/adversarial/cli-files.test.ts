/*
 * The CLI's own files broken by hand: config.json and credentials.json corrupted, truncated, emptied, replaced, or left
 * readable by everyone. `shop` must say what happened in one line, keep the broken file aside rather than delete it,
 * offer a way out that works, and never show a stack trace.
 */
import { cpSync } from 'node:fs';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type RunningApiServer, startApiServer } from '../helpers/api-server.js';
import { makeConfigDir, registerWithCli, runShop, type ShopRun, TEST_PASSWORD } from '../helpers/cli.js';
import { ensureBuilt, runShell } from '../helpers/cli-binary.js';
import { tally } from './helpers/figures.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  stackTrace: /^\s+at .+:\d+:\d+\)?$/m,

  /** Ways a file gets broken: by a full disk, a crash mid-write, an editor, a sync tool. */
  damage(original: Buffer): Array<[string, Buffer]> {
    return [
      ['truncated to half', original.subarray(0, Math.floor(original.length / 2))],
      ['truncated to nothing', Buffer.alloc(0)],
      ['cut after the first byte', original.subarray(0, 1)],
      ['filled with NUL bytes', Buffer.alloc(original.length)],
      ['overwritten with random bytes', Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256))],
      ['invalid UTF-8 in a value', Buffer.concat([original.subarray(0, 10), Buffer.from([0xff, 0xfe, 0xc0]), original.subarray(10)])],
      ['a JSON array', Buffer.from('[]')],
      ['a bare JSON string', Buffer.from('"http://127.0.0.1:3000"')],
      ['JSON null', Buffer.from('null')],
      ['a merge conflict', Buffer.from(`<<<<<<< HEAD\n${original.toString('utf8')}\n=======\n{}\n>>>>>>> theirs\n`)],
    ];
  },
};

describe('shop, given its own files broken by hand', () => {
  let api: RunningApiServer;
  let template: { path: string; remove(): Promise<void> };
  let email: string;
  const figures = { 'broken files tried': 0, 'stack traces': 0, 'broken files lost': 0, 'ways out that failed': 0 };

  /** A copy of the logged-in config directory, with `name` replaced by `bytes`. */
  const brokenCopy = async (name: string, bytes: Buffer): Promise<{ path: string; remove(): Promise<void> }> => {
    const dir = await makeConfigDir();
    cpSync(template.path, dir.path, { recursive: true });
    await writeFile(join(dir.path, name), bytes, { mode: 0o600 });
    return dir;
  };

  const shop = (argv: string[], configDir: string, stdin = ''): Promise<ShopRun> => runShop(argv, { server: api.url, configDir, stdin });

  /**
   * The one-line, stack-free message a broken file must produce, pointing at where the file went; the command then
   * goes on without the file and exits as it would without it (`code`).
   */
  const expectClearRefusal = (run: ShopRun, name: string, how: string, code: number): void => {
    figures['stack traces'] += internals.stackTrace.test(run.stderr) ? 1 : 0;
    expect(run.code, `${how}: ${run.stderr}`).to.equal(code);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.filter((line) => line.includes('.corrupt-')), run.stderr).to.have.length(1);
    const first = lines[0] ?? '';
    expect(first).to.startWith('shop: ');
    expect(first).to.include(`${name}.corrupt-`);
    expect(run.stderr).to.not.match(internals.stackTrace);
  };

  /** The broken bytes are kept, byte for byte, in exactly one `<name>.corrupt-<time>` next to where they were. */
  const expectKeptAside = async (dir: string, name: string, bytes: Buffer): Promise<void> => {
    const aside = (await readdir(dir)).filter((file) => file.startsWith(`${name}.corrupt-`));
    const kept = aside.length === 1 && Buffer.compare(await readFile(join(dir, aside[0]!)), bytes) === 0;
    figures['broken files lost'] += kept ? 0 : 1;
    expect(aside).to.have.length(1);
    expect(kept).to.be.true();
  };

  before(async () => {
    api = await startApiServer();
    template = await makeConfigDir();
    email = await registerWithCli(api.url, template.path);
    // A config.json to break, too.
    const set = await runShop(['config', 'set', 'server', api.url], { configDir: template.path });
    expect(set.code, set.stderr).to.equal(0);
  });

  after(async () => {
    tally('cli files', 'config.json and credentials.json', figures);
    await template.remove();
    await api.stop();
  });

  it('moves a broken config.json aside with a one-line message, and the command runs on defaults', async () => {
    const original = await readFile(join(template.path, 'config.json'));
    for (const [how, bytes] of internals.damage(original)) {
      figures['broken files tried']++;
      const dir = await brokenCopy('config.json', bytes);
      try {
        const first = await shop(['config', 'list'], dir.path);
        expectClearRefusal(first, 'config.json', how, 0);
        expect(first.stdout, how).to.include('server');
        expect(first.stderr, how).to.include('settings are back to their defaults');
        await expectKeptAside(dir.path, 'config.json', bytes);
        // The way out: the next command works, and the setting can be made again.
        const again = await shop(['config', 'set', 'server', api.url], dir.path);
        figures['ways out that failed'] += again.code === 0 ? 0 : 1;
        expect(again.code, `${how}: ${again.stderr}`).to.equal(0);
        expect((await shop(['whoami'], dir.path)).stdout).to.include(email);
      } finally {
        await dir.remove();
      }
    }
  });

  it('moves a broken credentials.json aside with a one-line message, the command exits 4 as logged out, and `shop login` gets the user going again', async () => {
    const original = await readFile(join(template.path, 'credentials.json'));
    for (const [how, bytes] of internals.damage(original)) {
      figures['broken files tried']++;
      const dir = await brokenCopy('credentials.json', bytes);
      try {
        const first = await shop(['cart'], dir.path);
        expectClearRefusal(first, 'credentials.json', how, 4);
        expect(first.stderr, how).to.include('shop login');
        await expectKeptAside(dir.path, 'credentials.json', bytes);
        const whoami = await shop(['whoami'], dir.path);
        expect(whoami.code, `${how}: ${whoami.stderr}`).to.equal(4);
        const login = await shop(['login', '--email', email, '--password-stdin'], dir.path, `${TEST_PASSWORD}\n`);
        figures['ways out that failed'] += login.code === 0 ? 0 : 1;
        expect(login.code, `${how}: ${login.stderr}`).to.equal(0);
        expect((await shop(['whoami'], dir.path)).stdout).to.include(email);
      } finally {
        await dir.remove();
      }
    }
  });

  it('logs in over a broken credentials.json without being asked to clean up first, keeping the broken one aside', async () => {
    figures['broken files tried']++;
    const bytes = Buffer.from('{"http://127.0.0.1:1": {"email": "x@y.test", "accessTo');
    const dir = await brokenCopy('credentials.json', bytes);
    try {
      const login = await shop(['login', '--email', email, '--password-stdin'], dir.path, `${TEST_PASSWORD}\n`);
      expect(login.code, login.stderr).to.equal(0);
      await expectKeptAside(dir.path, 'credentials.json', bytes);
      expect((await shop(['whoami'], dir.path)).code).to.equal(0);
    } finally {
      await dir.remove();
    }
  });

  it('makes a credentials.json other users can read private, says so, and carries on next time', async () => {
    for (const mode of [0o644, 0o604, 0o640, 0o666, 0o777]) {
      figures['broken files tried']++;
      const dir = await makeConfigDir();
      try {
        cpSync(template.path, dir.path, { recursive: true });
        const path = join(dir.path, 'credentials.json');
        await chmod(path, mode);
        const first = await shop(['whoami'], dir.path);
        figures['stack traces'] += internals.stackTrace.test(first.stderr) ? 1 : 0;
        expect(first.code).to.equal(1);
        expect(first.stderr).to.include(`could be read by other users (mode ${mode.toString(8)}); it is private now (600)`);
        expect((await stat(path)).mode & 0o777).to.equal(0o600);
        const next = await shop(['whoami'], dir.path);
        figures['ways out that failed'] += next.code === 0 ? 0 : 1;
        expect(next.code, next.stderr).to.equal(0);
      } finally {
        await dir.remove();
      }
    }
  });

  it('reports broken settings, credentials and outbox in one run, and stops before any work over the outbox', async () => {
    figures['broken files tried'] += 3;
    const dir = await brokenCopy('config.json', Buffer.from('{"server": "ht'));
    try {
      await writeFile(join(dir.path, 'credentials.json'), '', { mode: 0o600 });
      await writeFile(join(dir.path, 'outbox.json'), '{"version":', { mode: 0o600 });

      const login = await shop(['login', '--email', email, '--password-stdin'], dir.path, `${TEST_PASSWORD}\n`);

      expect(login.code).to.equal(1);
      const lines = login.stderr.trimEnd().split('\n');
      expect(lines).to.have.length(3);
      expect(lines[0]).to.include('config.json was not valid JSON');
      expect(lines[1]).to.include('credentials.json was empty');
      expect(lines[2]).to.include('outbox.json is not valid JSON; it holds your queued changes');
      expect(login.stderr).to.not.include('Logged in');
      expect(await readdir(dir.path)).to.not.include('credentials.json');
    } finally {
      await dir.remove();
    }
  });

  it('says the same from the built binary, in one line and without a stack trace', async () => {
    await ensureBuilt();
    figures['broken files tried']++;
    const original = await readFile(join(template.path, 'credentials.json'));
    const bytes = original.subarray(0, 20);
    const dir = await brokenCopy('credentials.json', bytes);
    try {
      const run = await runShell('shop cart', { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path });
      expectClearRefusal({ code: run.code ?? -1, stdout: run.stdout, stderr: run.stderr }, 'credentials.json', 'binary', 4);
      await expectKeptAside(dir.path, 'credentials.json', bytes);
    } finally {
      await dir.remove();
    }
  });
});
