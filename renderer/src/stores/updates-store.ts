// A desktop update that has downloaded and waits for "Restart to update" (the window closes to the
// tray, so without asking it might never install). Installing is main's job, on the user's word.
import { createStore } from 'zustand/vanilla';
import type { ApiError, UpdateState, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';

export interface UpdatesStore {
  update: UpdateState;
  restarting: boolean;
  restartError: ApiError | null;
  load(): Promise<void>;
  apply(update: UpdateState): void;
  restart(): Promise<void>;
}

export function createUpdatesStore(bridge: VoxanneBridge) {
  return createStore<UpdatesStore>()((set, get) => ({
    update: { status: 'none' },
    restarting: false,
    restartError: null,
    async load() {
      const result = await settle(bridge.updates.getState({}));
      if (result.ok) set({ update: result.data });
    },
    apply(update) {
      set({ update });
    },
    async restart() {
      if (get().restarting) return;
      set({ restarting: true, restartError: null });
      const result = await settle(bridge.updates.restart({ confirmed: true }));
      // On success the app quits; the flag stays until it does.
      if (!result.ok) set({ restarting: false, restartError: result.error });
    },
  }));
}
export type UpdatesStoreApi = ReturnType<typeof createUpdatesStore>;
