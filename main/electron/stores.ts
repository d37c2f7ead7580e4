// The app's on-disk stores, via electron-store (ESM, and it imports electron when loaded: so it is
// imported here, in the shell, and nowhere in main/core). Settings and the encrypted token live in
// separate files so a reset of one never touches the other.
import Store from 'electron-store';
import type { KeyValueStore } from '../core/kv-settings-store.js';

export function openStore(name: 'settings' | 'vault'): KeyValueStore {
  const store = new Store<Record<string, unknown>>({ name, clearInvalidConfig: true });
  return {
    get: (key) => store.get(key),
    set: (key, value) => store.set(key, value),
    delete: (key) => store.delete(key),
  };
}
