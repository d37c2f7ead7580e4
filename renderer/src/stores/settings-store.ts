// This PC's desktop settings (notifications, quiet hours, auto-lock, theme) and the app's own
// description (version, host, token storage), both owned by the main process.
import { createStore } from 'zustand/vanilla';
import type { ApiError, AppInfo, DesktopSettings, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';
import { type LoadState, IDLE, LOADING, READY, failed } from './load-state';

export interface SettingsStore {
  settings: DesktopSettings | null;
  appInfo: AppInfo | null;
  load: LoadState;
  saving: boolean;
  saveError: ApiError | null;
  loadSettings(): Promise<void>;
  apply(settings: DesktopSettings): void;
  save(settings: DesktopSettings): Promise<boolean>;
}

export function createSettingsStore(bridge: VoxanneBridge) {
  return createStore<SettingsStore>()((set, get) => ({
    settings: null,
    appInfo: null,
    load: IDLE,
    saving: false,
    saveError: null,
    async loadSettings() {
      set({ load: LOADING });
      const [settings, appInfo] = await Promise.all([settle(bridge.settings.get({})), settle(bridge.app.getInfo({}))]);
      if (!settings.ok) set({ load: failed(settings.error) });
      else if (!appInfo.ok) set({ settings: settings.data, load: failed(appInfo.error) });
      else set({ settings: settings.data, appInfo: appInfo.data, load: READY });
    },
    apply(settings) {
      set({ settings });
    },
    async save(settings) {
      const previous = get().settings;
      // Shown at once so switches feel immediate; put back if the main process refuses.
      set({ settings, saving: true, saveError: null });
      const result = await settle(bridge.settings.update(settings));
      if (result.ok) set({ settings: result.data, saving: false });
      else set({ settings: previous, saving: false, saveError: result.error });
      return result.ok;
    },
  }));
}
export type SettingsStoreApi = ReturnType<typeof createSettingsStore>;
