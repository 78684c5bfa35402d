import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { resolveCacheDir } from '../../../cli/store/paths.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('resolveCacheDir', () => {
  it('uses XDG_CACHE_HOME on Linux, else ~/.cache', () => {
    expect(resolveCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, 'linux', '/home/me')).to.equal('/var/cache/me/shop');
    expect(resolveCacheDir({ XDG_CACHE_HOME: '' }, 'linux', '/home/me')).to.equal('/home/me/.cache/shop');
  });

  it('uses ~/Library/Caches on macOS', () => {
    expect(resolveCacheDir({ XDG_CACHE_HOME: '/ignored' }, 'darwin', '/Users/me')).to.equal('/Users/me/Library/Caches/shop');
  });
});
