// A SettingsStore over any key-value store (electron-store in the shell, a JSON file in the browser
// host). What is read back is validated; a broken value means defaults, never a crash.
import type { DesktopSettings } from '@voxanne/protocol';
import type { SettingsStore } from './ports.js';
import { readStoredSettings } from './stored-settings.js';

export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

const SETTINGS_KEY = 'settings';

export class KeyValueSettingsStore implements SettingsStore {
  constructor(private readonly store: KeyValueStore) {}
  load(): DesktopSettings {
    return readStoredSettings(this.store.get(SETTINGS_KEY));
  }
  save(settings: DesktopSettings): void {
    this.store.set(SETTINGS_KEY, settings);
  }
}
