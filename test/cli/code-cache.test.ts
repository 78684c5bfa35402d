import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { requireWithCodeCache } from '../../cli/code-cache.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

describe('requireWithCodeCache', () => {
  let dir: string;
  let cacheFile: string;
  let copies = 0;
  const now = () => Date.now();
  /**
   * The module, as a new file each time: V8 keeps scripts it compiled in memory, by source and file name, and would
   * answer a second compile of the same file in this process from there, never looking at the code cache.
   */
  const moduleFile = async (): Promise<string> => {
    const file = join(dir, `module-${++copies}.cjs`);
    // `require`, `module` and `__filename` as the CommonJS loader gives them; a function called after loading, so the
    // cache has more than the top level to hold.
    await writeFile(file, `const { basename } = require('node:path');\nmodule.exports = { name: basename(__filename), double: (n) => n * 2 };`);
    return file;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shop-code-cache-'));
    cacheFile = join(dir, 'cache', 'module.bin');
    copies = 0;
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a CommonJS file as require does', async () => {
    const loaded = requireWithCodeCache(await moduleFile(), undefined, now);

    expect(loaded.exports).to.include({ name: 'module-1.cjs' });
    expect((loaded.exports as { double: (n: number) => number }).double(21)).to.equal(42);
    expect(loaded.saveCache).to.not.exist();
  });

  it('saves a cache when there is none, and compiles from it the next time', async () => {
    const first = requireWithCodeCache(await moduleFile(), cacheFile, now);
    (first.exports as { double: (n: number) => number }).double(1);
    first.saveCache?.();
    const saved = await readFile(cacheFile);

    const second = requireWithCodeCache(await moduleFile(), cacheFile, now);

    expect(first.saveCache).to.exist();
    expect(saved.length).to.be.above(0);
    expect(second.saveCache).to.not.exist();
    expect((second.exports as { double: (n: number) => number }).double(2)).to.equal(4);
  });

  it('replaces a cache V8 does not accept, and still runs the file', async () => {
    await mkdir(join(dir, 'cache'));
    await writeFile(cacheFile, 'not a code cache');

    const loaded = requireWithCodeCache(await moduleFile(), cacheFile, now);
    loaded.saveCache?.();

    expect(loaded.exports).to.include({ name: 'module-1.cjs' });
    expect((await readFile(cacheFile)).toString()).to.not.equal('not a code cache');
    expect(requireWithCodeCache(await moduleFile(), cacheFile, now).saveCache).to.not.exist();
  });

  it('runs the file when the cache cannot be written', async () => {
    const file = await moduleFile();
    const blocked = join(file, 'cache.bin'); // under a file: no directory can be made there

    const loaded = requireWithCodeCache(file, blocked, now);

    expect(loaded.saveCache).to.exist();
    expect(() => loaded.saveCache?.()).to.not.throw();
    expect(loaded.exports).to.include({ name: 'module-1.cjs' });
  });

  it('deletes caches nobody has written for a month, and only those', async () => {
    const stale = join(dir, 'cache', 'old-build.bin');
    const recent = join(dir, 'cache', 'other-node.bin');
    requireWithCodeCache(await moduleFile(), cacheFile, now).saveCache?.();
    await writeFile(stale, 'old');
    await writeFile(recent, 'recent');
    const monthAgo = new Date(Date.now() - 31 * 24 * 60 * 60 * 1000);
    await utimes(stale, monthAgo, monthAgo);
    await rm(cacheFile);

    requireWithCodeCache(await moduleFile(), cacheFile, now).saveCache?.();

    await expect(stat(stale)).to.reject();
    expect((await stat(recent)).isFile()).to.be.true();
    expect((await stat(cacheFile)).isFile()).to.be.true();
  });
});
