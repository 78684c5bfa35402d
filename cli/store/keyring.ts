import { createRequire } from 'node:module';

/**
 * Tokens in the OS keyring — the Secret Service on Linux, Keychain on macOS, Credential Manager on Windows — through
 * @napi-rs/keyring (prebuilt binaries in its npm package). Loaded only when a login is saved, or read from where a
 * saved login says its tokens are: a read with a token in the 0600 file never loads it.
 */

/** The part of @napi-rs/keyring used here. */
export interface KeyringModule {
  Entry: new (service: string, account: string) => {
    getPassword(): string | null | undefined;
    setPassword(password: string): void;
    deletePassword(): unknown;
  };
}

/** The secret part of a login. */
export interface TokenSecrets {
  accessToken: string;
  refreshToken: string | null;
}

/** Where tokens can be kept besides the file. Every method fails soft: no keyring is a normal state, not an error. */
export interface SecretStore {
  /** The tokens kept for `server`; `undefined` when there are none or the keyring cannot be reached. */
  get(server: string): TokenSecrets | undefined;
  /** Whether the tokens were stored; false when there is no usable keyring (a headless machine). */
  set(server: string, secrets: TokenSecrets): boolean;
  delete(server: string): void;
}

/** What `SHOP_CREDENTIAL_STORE` may say: `keyring` or `file` to insist, `auto` (the default) to try the keyring first. */
export type CredentialStoreChoice = 'auto' | 'keyring' | 'file';

/** The keyring's service name; each login is an entry named by its server URL. */
export const KEYRING_SERVICE = 'shop';

export function createKeyringStore(load: () => KeyringModule): SecretStore {
  let module: KeyringModule | undefined;
  let unavailable = false;
  const entry = (server: string) => {
    if (unavailable) {
      return undefined;
    }
    try {
      module ??= load();
      return new module.Entry(KEYRING_SERVICE, server);
    } catch {
      unavailable = true;
      return undefined;
    }
  };
  return {
    get(server) {
      try {
        const text = entry(server)?.getPassword();
        return typeof text === 'string' ? parseSecrets(text) : undefined;
      } catch {
        return undefined;
      }
    },
    set(server, secrets) {
      const found = entry(server);
      if (found === undefined) {
        return false;
      }
      try {
        found.setPassword(JSON.stringify(secrets));
        return true;
      } catch {
        // No Secret Service on this session bus, a locked keychain: the file is the fallback.
        return false;
      }
    },
    delete(server) {
      try {
        entry(server)?.deletePassword();
      } catch {
        // Already gone, or no keyring: nothing to delete.
      }
    },
  };
}

/** Loads @napi-rs/keyring with Node's own require (it is a native module, never bundled). */
export function loadKeyringModule(): KeyringModule {
  return createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
}

function parseSecrets(text: string): TokenSecrets | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value.accessToken === 'string' && (value.refreshToken === null || typeof value.refreshToken === 'string')) {
      return { accessToken: value.accessToken, refreshToken: value.refreshToken };
    }
  } catch {
    // Not ours, or damaged: as if there were none.
  }
  return undefined;
}

export function parseCredentialStoreChoice(text: string | undefined): CredentialStoreChoice | undefined {
  if (text === undefined || text === '' || text === 'auto') {
    return 'auto';
  }
  return text === 'keyring' || text === 'file' ? text : undefined;
}
