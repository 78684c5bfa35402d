import { readFileSync } from 'node:fs';

/**
 * The version in package.json, found relative to this file: `../package.json` from cli/ when run from source,
 * `../../package.json` from dist/cli/ when built. Read with fs, not imported, so `shop --version` loads nothing else.
 */
export function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'shop' && typeof manifest.version === 'string') {
        return manifest.version;
      }
    } catch {
      // Not here; try the next place.
    }
  }
  return '0.0.0-unknown';
}
