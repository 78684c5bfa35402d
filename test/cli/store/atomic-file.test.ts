import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { readTextFile, removeAbandonedTemporaries, writeFileAtomic } from '../../../cli/store/atomic-file.js';
import { makeConfigDir } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

describe('atomic file writes', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await makeConfigDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('replaces the file with the new text and leaves no temporary file behind', async () => {
    const path = join(dir.path, 'outbox.json');
    await writeFileAtomic(path, 'old');

    await writeFileAtomic(path, 'new');

    expect(await readFile(path, 'utf8')).to.equal('new');
    expect(await readdir(dir.path)).to.equal(['outbox.json']);
  });

  it('replaces the file whole without flushing it when it need not be durable, as the saved copies do', async () => {
    const path = join(dir.path, 'cache.json');
    await writeFileAtomic(path, 'old', { durable: false });

    await writeFileAtomic(path, 'new', { durable: false });

    expect(await readFile(path, 'utf8')).to.equal('new');
    expect(await readdir(dir.path)).to.equal(['cache.json']);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
  });

  it('creates the file with mode 0600, in a new 0700 directory', async () => {
    const path = join(dir.path, 'nested', 'cache.json');

    await writeFileAtomic(path, '{}');

    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    expect((await stat(join(dir.path, 'nested'))).mode & 0o777).to.equal(0o700);
  });

  it('reads a missing file as undefined', () => {
    expect(readTextFile(join(dir.path, 'absent.json'))).to.be.undefined();
  });

  it('removes the temporary files a killed writer left, and only those', async () => {
    const path = join(dir.path, 'outbox.json');
    await writeFile(join(dir.path, '.outbox.json.0c2f.tmp'), 'half a docu');
    await writeFile(join(dir.path, '.cache.json.0c2f.tmp'), 'not ours');
    await writeFile(path, '{}');

    await removeAbandonedTemporaries(path);

    expect((await readdir(dir.path)).sort()).to.equal(['.cache.json.0c2f.tmp', 'outbox.json']);
  });
});
