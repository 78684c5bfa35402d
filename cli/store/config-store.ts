import { readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type Conf from 'conf';

import { UserError } from '../errors.js';
import { type SettingKey, SETTING_KEYS } from './settings.js';

/** What `shop login` keeps for one server. The access token and refresh token are secrets and are never printed. */
export interface StoredCredentials {
  email: string;
  accessToken: string;
  /** Absent after `shop login --with-token`: such a login cannot be refreshed. */
  refreshToken: string | null;
  /** When the access token expires, in ms since the epoch; `null` when the token carries no expiry. */
  expiresAt: number | null;
}

export type Settings = Partial<Record<SettingKey, string>>;

type ConfModule = typeof import('conf');

/** The mode both files get: owner read/write only, because one of them holds tokens. */
const PRIVATE_FILE_MODE = 0o600;

/**
 * Settings (`config.json`) and credentials (`credentials.json`, keyed by server URL so a token is only ever sent to
 * the server that issued it) in one directory.
 *
 * Writes go through `conf` — atomic replace, file mode 0600 — and the mode is checked again after every write.
 * Reads parse the JSON file directly: loading conf (and the schema validator it imports) costs ~40 ms, and nearly
 * every command reads the server URL and a token, often in a shell loop. conf writes plain JSON here — no
 * encryption, no migrations — so a direct read sees exactly what it wrote.
 */
export class ConfigStore {
  readonly settingsPath: string;
  readonly credentialsPath: string;
  /** Held around token refresh; see `withFileLock`. */
  readonly refreshLockPath: string;

  constructor(
    readonly directory: string,
    private readonly options: { checkFileMode?: boolean; loadConf?: () => Promise<ConfModule> } = {},
  ) {
    this.settingsPath = join(directory, 'config.json');
    this.credentialsPath = join(directory, 'credentials.json');
    this.refreshLockPath = join(directory, 'refresh.lock');
  }

  settings(): Settings {
    const stored = readJsonObject(this.settingsPath);
    const settings: Settings = {};
    for (const key of SETTING_KEYS) {
      const value = stored[key];
      if (typeof value === 'string') {
        settings[key] = value;
      }
    }
    return settings;
  }

  getSetting(key: SettingKey): string | undefined {
    return this.settings()[key];
  }

  async setSetting(key: SettingKey, value: string): Promise<void> {
    const conf = await this.open('config');
    conf.set(key, value);
    await this.ensurePrivate(conf.path);
  }

  async unsetSetting(key: SettingKey): Promise<void> {
    const conf = await this.open('config');
    conf.delete(key);
    await this.ensurePrivate(conf.path);
  }

  credentials(server: string): StoredCredentials | undefined {
    const value = readJsonObject(this.credentialsPath)[server];
    return isStoredCredentials(value) ? value : undefined;
  }

  async saveCredentials(server: string, credentials: StoredCredentials): Promise<void> {
    const conf = await this.open('credentials');
    conf.set(server, credentials);
    await this.ensurePrivate(conf.path);
  }

  async deleteCredentials(server: string): Promise<void> {
    if (this.credentials(server) === undefined) {
      return;
    }
    const conf = await this.open('credentials');
    conf.delete(server);
    await this.ensurePrivate(conf.path);
  }

  private async open(name: 'config' | 'credentials'): Promise<Conf<Record<string, unknown>>> {
    const { default: ConfClass } = await (this.options.loadConf ?? (() => import('conf')))();
    // conf would create the directory world-readable; tokens deserve a private one.
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    return new ConfClass<Record<string, unknown>>({
      cwd: this.directory,
      configName: name,
      configFileMode: PRIVATE_FILE_MODE,
      // Credential keys are URLs full of dots; they are keys, not paths.
      accessPropertiesByDotNotation: false,
    });
  }

  /** Re-checks the file mode after a write: an old file, a umask or a hand edit must not leave tokens readable. */
  private async ensurePrivate(path: string): Promise<void> {
    if (this.options.checkFileMode === false) {
      return;
    }
    if (fileMode(await stat(path)) === PRIVATE_FILE_MODE) {
      return;
    }
    await chmod(path, PRIVATE_FILE_MODE);
    const mode = fileMode(await stat(path));
    if (mode !== PRIVATE_FILE_MODE) {
      throw new UserError(`${path} has mode ${mode.toString(8)} and could not be made private (600); fix it by hand`);
    }
  }
}

function fileMode(info: { mode: number }): number {
  return info.mode & 0o777;
}

function readJsonObject(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {};
    }
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not valid JSON; fix it or delete it`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${path} does not hold a JSON object; fix it or delete it`);
  }
  return value as Record<string, unknown>;
}

function isStoredCredentials(value: unknown): value is StoredCredentials {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return (
    typeof record.email === 'string' &&
    typeof record.accessToken === 'string' &&
    (record.refreshToken === null || typeof record.refreshToken === 'string') &&
    (record.expiresAt === null || typeof record.expiresAt === 'number')
  );
}
