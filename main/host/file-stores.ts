// The browser host's on-disk stores, under its data directory: a JSON key-value file for settings
// and a refresh-token file readable by this user only (0600). The browser host is for development
// and tests; the desktop app keeps the token in the OS keychain instead (main/electron/vault.ts).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyValueStore } from '../core/kv-settings-store.js';
import type { SecretVault } from '../core/ports.js';

export const FILE_VAULT_WARNING =
  'The browser host keeps your sign-in in a file that only this computer account can read, not in a keychain. Use the desktop app on shared computers.';

function writePrivate(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

export class JsonFileStore implements KeyValueStore {
  constructor(private readonly file: string) {}
  private read(): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  get(key: string): unknown {
    return this.read()[key];
  }
  set(key: string, value: unknown): void {
    writePrivate(this.file, JSON.stringify({ ...this.read(), [key]: value }, null, 2));
  }
  delete(key: string): void {
    const all = this.read();
    delete all[key];
    writePrivate(this.file, JSON.stringify(all, null, 2));
  }
}

export class FileVault implements SecretVault {
  readonly persistent = true;
  readonly warning = FILE_VAULT_WARNING;
  constructor(private readonly file: string) {}
  async getRefreshToken(): Promise<string | null> {
    if (!existsSync(this.file)) return null;
    const token = readFileSync(this.file, 'utf8').trim();
    return token === '' ? null : token;
  }
  async setRefreshToken(token: string): Promise<void> {
    writePrivate(this.file, token);
  }
  async deleteRefreshToken(): Promise<void> {
    rmSync(this.file, { force: true });
  }
}
