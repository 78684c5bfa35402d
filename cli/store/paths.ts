import { join } from 'node:path';

import type { Env } from '../io.js';

/**
 * Where `shop` keeps its settings and credentials: `SHOP_CONFIG_DIR` when set, else the platform's per-user config
 * directory. This mirrors what `conf` would pick (env-paths with project "shop" and no suffix), computed here so the
 * path is known — and shown by `shop status` — without loading `conf`.
 */
export function resolveConfigDir(env: Env, platform: NodeJS.Platform, home: string): string {
  const override = env.SHOP_CONFIG_DIR;
  if (override !== undefined && override !== '') {
    return override;
  }
  if (platform === 'darwin') {
    return join(home, 'Library', 'Preferences', 'shop');
  }
  if (platform === 'win32') {
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'shop', 'Config');
  }
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(home, '.config'), 'shop');
}

/**
 * Where `shop` keeps what it can rebuild at any time (the compiled-code cache): the platform's per-user cache
 * directory, as env-paths would pick it for project "shop" — `$XDG_CACHE_HOME/shop` or `~/.cache/shop`,
 * `~/Library/Caches/shop`, `%LOCALAPPDATA%\shop\Cache`.
 */
export function resolveCacheDir(env: Env, platform: NodeJS.Platform, home: string): string {
  if (platform === 'darwin') {
    return join(home, 'Library', 'Caches', 'shop');
  }
  if (platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'shop', 'Cache');
  }
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(home, '.cache'), 'shop');
}
