import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { ProductPage } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { ensureBuilt } from '../../helpers/cli-binary.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const run = promisify(execFile);

/** The README's way onto PATH, `npm install --global .`, into a throwaway prefix; then `shop` run from elsewhere. */
describe('shop installed onto PATH', () => {
  let api: RunningApiServer;
  let prefix: string;
  let elsewhere: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    await ensureBuilt();
    api = await startApiServer();
    prefix = await mkdtemp(join(tmpdir(), 'shop-prefix-'));
    elsewhere = await mkdtemp(join(tmpdir(), 'shop-elsewhere-'));
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', resolve('.')], { timeout: 120_000 });
    env = {
      PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: '/nonexistent',
      SHOP_SERVER: api.url,
      SHOP_CONFIG_DIR: join(elsewhere, 'config'),
    };
  });

  after(async () => {
    await api.stop();
    await rm(prefix, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('puts a shop command on PATH that runs outside the checkout', async () => {
    const version = await run('shop', ['--version'], { cwd: elsewhere, env });
    const products = await run('shop', ['products', '--json', '--limit', '2'], { cwd: elsewhere, env });

    expect(version.stdout).to.match(/^\d+\.\d+\.\d+\n$/);
    expect((JSON.parse(products.stdout) as ProductPage).items).to.have.length(2);
  });

  it('gives bash its completion from the installed copy', async () => {
    const completion = await run('bash', ['--norc', '-c', 'source <(shop completion bash) && complete -p shop'], { cwd: elsewhere, env });

    expect(completion.stdout).to.contain('complete -o default -F _shop_complete shop');
  });
});
