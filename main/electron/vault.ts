// The refresh token at rest: encrypted with safeStorage (the OS keychain), ciphertext kept in
// electron-store together with the name of the keychain backend that made it.
//
// Where the only backend is Linux's `basic_text` (a hard-coded key: plain text in all but name), the
// vault refuses to persist: the token stays in memory and the user is told they will sign in after
// every restart. Electron 41 offers only the synchronous safeStorage API (no async variant in its
// typings), so that is what is used.
import type { SafeStorage } from 'electron';
import type { KeyValueStore } from '../core/kv-settings-store.js';
import type { SecretVault } from '../core/ports.js';

const TOKEN_KEY = 'refreshToken';
export const NO_KEYCHAIN_WARNING =
  'This computer has no keychain Voxanne Desk can use, so your sign-in is kept only until the app closes. You will need to sign in each time it starts.';

interface StoredToken {
  backend: string;
  ciphertext: string;
}

export class SafeStorageVault implements SecretVault {
  readonly persistent: boolean;
  readonly warning: string | null;
  private readonly backend: string;
  private memoryToken: string | null = null;

  constructor(
    private readonly safeStorage: Pick<
      SafeStorage,
      'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
    >,
    private readonly store: KeyValueStore,
    platform: NodeJS.Platform,
  ) {
    this.backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : platform;
    const usable = safeStorage.isEncryptionAvailable() && this.backend !== 'basic_text' && this.backend !== 'unknown';
    this.persistent = usable;
    this.warning = usable ? null : NO_KEYCHAIN_WARNING;
    // A token written earlier with a real keychain must not be left behind once we cannot protect it.
    if (!usable) store.delete(TOKEN_KEY);
  }

  async getRefreshToken(): Promise<string | null> {
    if (!this.persistent) return this.memoryToken;
    const stored = this.store.get(TOKEN_KEY) as Partial<StoredToken> | undefined;
    if (!stored || typeof stored.ciphertext !== 'string') return null;
    if (stored.backend !== this.backend) {
      // Encrypted by another keychain backend (e.g. before a desktop change): unusable, forget it.
      this.store.delete(TOKEN_KEY);
      return null;
    }
    try {
      return this.safeStorage.decryptString(Buffer.from(stored.ciphertext, 'base64'));
    } catch {
      this.store.delete(TOKEN_KEY);
      return null;
    }
  }

  async setRefreshToken(token: string): Promise<void> {
    if (!this.persistent) {
      this.memoryToken = token;
      return;
    }
    const ciphertext = this.safeStorage.encryptString(token).toString('base64');
    this.store.set(TOKEN_KEY, { backend: this.backend, ciphertext } satisfies StoredToken);
  }

  async deleteRefreshToken(): Promise<void> {
    this.memoryToken = null;
    this.store.delete(TOKEN_KEY);
  }
}
