import { chmodSync, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type Conf from 'conf';

import { UserError } from '../errors.js';
import { fsAsync } from './fs-async.js';
import type { CredentialStoreChoice, SecretStore } from './keyring.js';
import { assertPrivateDirectory, ensurePrivateDirectory, refuseSymbolicLink } from './private-paths.js';
import { type SettingKey, SETTING_KEYS } from './settings.js';

/** What `shop login` keeps for one server. The access token and refresh token are secrets and are never printed. */
export interface StoredCredentials {
  /** `null` for a guest (`POST /auth/guest`): `shop login` or `shop register` merges its cart into the account. */
  email: string | null;
  accessToken: string;
  /** Absent after `shop login --with-token`: such a login cannot be refreshed. */
  refreshToken: string | null;
  /** When the access token expires, in ms since the epoch; `null` when the token carries no expiry. */
  expiresAt: number | null;
}

export type Settings = Partial<Record<SettingKey, string>>;

export type ConfModule = typeof import('conf');

/** The mode both files get: owner read/write only, because one of them holds tokens. */
const PRIVATE_FILE_MODE = 0o600;

const KEYRING_REQUIRED = 'SHOP_CREDENTIAL_STORE=keyring, but no OS keyring could be used (on Linux: is a Secret Service running?)';

/** What a broken file means for the person at the terminal, and how they get going again. */
const RECOVERY = {
  config: 'your settings are back to their defaults (set them again with `shop config set`)',
  credentials: 'you are logged out of every server (run `shop login`)',
} as const;

type FileKind = keyof typeof RECOVERY;

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
    private readonly options: {
      checkFileMode?: boolean;
      loadConf?: () => Promise<ConfModule>;
      now?: () => number;
      /** The OS keyring, where tokens go when it is usable; without it, the file keeps them. */
      secrets?: SecretStore;
      credentialStore?: CredentialStoreChoice;
    } = {},
  ) {
    this.settingsPath = join(directory, 'config.json');
    this.credentialsPath = join(directory, 'credentials.json');
    this.refreshLockPath = join(directory, 'refresh.lock');
  }

  /**
   * A corrupt or truncated file is moved aside (to `config.json.corrupt-<time>`, never deleted) and the command stops
   * with a message saying where it went; the next command starts from defaults.
   */
  settings(): Settings {
    const stored = this.read(this.settingsPath, 'config');
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
    this.setAsideIfCorrupt(this.settingsPath);
    const conf = await this.open('config');
    conf.set(key, value);
    await this.ensurePrivate(conf.path);
  }

  async unsetSetting(key: SettingKey): Promise<void> {
    this.setAsideIfCorrupt(this.settingsPath);
    const conf = await this.open('config');
    conf.delete(key);
    await this.ensurePrivate(conf.path);
  }

  /**
   * Refuses a credentials file other users can read, after making it private, so the person learns their tokens may
   * have been seen; the next command proceeds. A corrupt file is moved aside as for settings.
   */
  credentials(server: string): StoredCredentials | undefined {
    this.refuseIfExposed(this.credentialsPath);
    const value = this.read(this.credentialsPath, 'credentials')[server];
    if (isKeyringEntry(value)) {
      // The file says whose login it is; the tokens are in the keyring.
      const secrets = this.options.secrets?.get(server);
      return secrets === undefined ? undefined : { email: value.email, expiresAt: value.expiresAt, ...secrets };
    }
    return isStoredCredentials(value) ? value : undefined;
  }

  /**
   * With SHOP_CREDENTIAL_STORE=keyring, fails before a login or registration is sent when there is no keyring to
   * keep its tokens in, rather than after the server has made the account.
   */
  checkCredentialStore(): void {
    const { secrets, credentialStore = 'file' } = this.options;
    if (credentialStore !== 'keyring') {
      return;
    }
    const probe = 'shop:keyring-check';
    if (secrets === undefined || !secrets.set(probe, { accessToken: '-', refreshToken: null })) {
      throw new UserError(KEYRING_REQUIRED);
    }
    secrets.delete(probe);
  }

  /** Where the login for `server` keeps its tokens: the OS keyring or this file; `undefined` when there is none. */
  credentialsLocation(server: string): 'keyring' | 'file' | undefined {
    const value = this.read(this.credentialsPath, 'credentials')[server];
    return isKeyringEntry(value) ? 'keyring' : isStoredCredentials(value) ? 'file' : undefined;
  }

  /** Writing is the way out of a corrupt credentials file (`shop login`): it is moved aside and a fresh one written. */
  async saveCredentials(server: string, credentials: StoredCredentials): Promise<void> {
    this.setAsideIfCorrupt(this.credentialsPath);
    const { secrets, credentialStore = 'file' } = this.options;
    const inKeyring =
      credentialStore !== 'file' &&
      secrets !== undefined &&
      secrets.set(server, { accessToken: credentials.accessToken, refreshToken: credentials.refreshToken });
    if (credentialStore === 'keyring' && !inKeyring) {
      throw new UserError(KEYRING_REQUIRED);
    }
    const before = readJsonObject(this.credentialsPath);
    const conf = await this.open('credentials');
    if (inKeyring) {
      conf.set(server, { email: credentials.email, expiresAt: credentials.expiresAt, tokens: 'keyring' });
    } else {
      // Saved to the file now: tokens an earlier login left in the keyring must not linger there.
      if (before.ok && isKeyringEntry(before.value[server])) {
        secrets?.delete(server);
      }
      conf.set(server, credentials);
    }
    await this.ensurePrivate(conf.path);
  }

  async deleteCredentials(server: string): Promise<void> {
    const location = this.credentialsLocation(server);
    if (location === undefined) {
      return;
    }
    if (location === 'keyring') {
      this.options.secrets?.delete(server);
    }
    const conf = await this.open('credentials');
    conf.delete(server);
    await this.ensurePrivate(conf.path);
  }

  private async open(name: 'config' | 'credentials'): Promise<Conf<Record<string, unknown>>> {
    const { default: ConfClass } = await (this.options.loadConf ?? (() => import('conf')))();
    // conf would create the directory world-readable; tokens deserve a private one. conf writes through a link.
    ensurePrivateDirectory(this.directory);
    refuseSymbolicLink(join(this.directory, `${name}.json`));
    return new ConfClass<Record<string, unknown>>({
      cwd: this.directory,
      configName: name,
      configFileMode: PRIVATE_FILE_MODE,
      // Credential keys are URLs full of dots; they are keys, not paths.
      accessPropertiesByDotNotation: false,
    });
  }

  private read(path: string, kind: FileKind): Record<string, unknown> {
    assertPrivateDirectory(this.directory);
    for (;;) {
      const parsed = readJsonObject(path);
      if (parsed.ok) {
        return parsed.value;
      }
      const aside = this.setAside(path, parsed.problem);
      // Another `shop` moved it first; what is there now (likely nothing) is what counts.
      if (aside !== undefined) {
        throw new UserError(`${path} ${parsed.problem}, so it was moved to ${aside}; ${RECOVERY[kind]}`);
      }
    }
  }

  /**
   * Checks both files before a command starts and moves each broken one aside, returning one message per file moved,
   * so a person learns of every broken file in one run rather than one per run.
   */
  setAsideBrokenFiles(): string[] {
    const notices: string[] = [];
    for (const [path, kind] of [
      [this.settingsPath, 'config'],
      [this.credentialsPath, 'credentials'],
    ] as const) {
      // A link is refused, not set aside: another user may have planted it, and it is for its owner to see.
      refuseSymbolicLink(path);
      const parsed = readJsonObject(path);
      if (!parsed.ok) {
        const aside = this.setAside(path, parsed.problem);
        if (aside !== undefined) {
          notices.push(`${path} ${parsed.problem}, so it was moved to ${aside}; ${RECOVERY[kind]}`);
        }
      }
    }
    return notices;
  }

  /** Before conf rewrites a file: a corrupt one would make conf throw, so it goes aside and conf starts afresh. */
  private setAsideIfCorrupt(path: string): void {
    refuseSymbolicLink(path);
    const parsed = readJsonObject(path);
    if (!parsed.ok) {
      this.setAside(path, parsed.problem);
    }
  }

  /** Renames a broken file to `<name>.corrupt-<time>`; `undefined` when it was already gone. */
  private setAside(path: string, problem: string): string | undefined {
    const stamp = new Date((this.options.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
    let target = `${path}.corrupt-${stamp}`;
    for (let n = 1; existsSync(target); n++) {
      target = `${path}.corrupt-${stamp}-${n}`;
    }
    try {
      renameSync(path, target);
      return target;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return undefined;
      }
      throw new UserError(`${path} ${problem} and could not be moved aside (${code ?? String(error)}); fix it or delete it`);
    }
  }

  private refuseIfExposed(path: string): void {
    if (this.options.checkFileMode === false) {
      return;
    }
    let mode: number;
    try {
      mode = fileMode(statSync(path));
    } catch {
      return; // Missing or unreadable: read() says what is wrong.
    }
    if ((mode & 0o077) === 0) {
      return;
    }
    const was = mode.toString(8);
    try {
      chmodSync(path, PRIVATE_FILE_MODE);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UserError(`${path} can be read by other users (mode ${was}) and could not be made private (${reason}); run: chmod 600 ${path}`);
    }
    throw new UserError(
      `${path} could be read by other users (mode ${was}); it is private now (600), but anyone who read it may have your tokens: ` +
        'run `shop logout --all` and log in again if that is possible, or run your command again',
    );
  }

  /** Re-checks the file mode after a write: an old file, a umask or a hand edit must not leave tokens readable. */
  private async ensurePrivate(path: string): Promise<void> {
    if (this.options.checkFileMode === false) {
      return;
    }
    if (fileMode(await fsAsync.stat(path)) === PRIVATE_FILE_MODE) {
      return;
    }
    await fsAsync.chmod(path, PRIVATE_FILE_MODE);
    const mode = fileMode(await fsAsync.stat(path));
    if (mode !== PRIVATE_FILE_MODE) {
      throw new UserError(`${path} has mode ${mode.toString(8)} and could not be made private (600); fix it by hand`);
    }
  }
}

function fileMode(info: { mode: number }): number {
  return info.mode & 0o777;
}

/** The file's object; a missing file is an empty one, a file that cannot be read at all is the user's to fix. */
function readJsonObject(path: string): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ok: true, value: {} };
    }
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let text: string;
  try {
    // Decoding leniently would turn damaged bytes into U+FFFD inside otherwise valid JSON: a URL or token quietly wrong.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: 'was not valid UTF-8 (corrupt)' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: text.trim() === '' ? 'was empty (truncated?)' : 'was not valid JSON (corrupt or truncated)' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'did not hold a JSON object' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** A login whose tokens are in the OS keyring: the file keeps the email and expiry only. */
function isKeyringEntry(value: unknown): value is { email: string | null; expiresAt: number | null; tokens: 'keyring' } {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return record.tokens === 'keyring' && (record.email === null || typeof record.email === 'string') && (record.expiresAt === null || typeof record.expiresAt === 'number');
}

function isStoredCredentials(value: unknown): value is StoredCredentials {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return (
    (record.email === null || typeof record.email === 'string') &&
    typeof record.accessToken === 'string' &&
    (record.refreshToken === null || typeof record.refreshToken === 'string') &&
    (record.expiresAt === null || typeof record.expiresAt === 'number')
  );
}
