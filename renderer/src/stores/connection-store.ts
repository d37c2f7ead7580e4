// The live connection's state as the main process reports it, and the "Retry now" action.
import { createStore } from 'zustand/vanilla';
import type { ApiError, ConnectionState, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';

export interface ConnectionStore {
  connection: ConnectionState | null;
  retrying: boolean;
  retryError: ApiError | null;
  load(): Promise<void>;
  apply(connection: ConnectionState): void;
  retryNow(): Promise<void>;
}

export function createConnectionStore(bridge: VoxanneBridge) {
  return createStore<ConnectionStore>()((set, get) => ({
    connection: null,
    retrying: false,
    retryError: null,
    async load() {
      const result = await settle(bridge.connection.getState({}));
      if (result.ok) set({ connection: result.data });
      else set({ retryError: result.error });
    },
    apply(connection) {
      set({ connection, retryError: null });
    },
    async retryNow() {
      if (get().retrying) return;
      set({ retrying: true, retryError: null });
      const result = await settle(bridge.connection.retryNow({}));
      if (result.ok) set({ retrying: false, connection: result.data });
      else set({ retrying: false, retryError: result.error });
    },
  }));
}
export type ConnectionStoreApi = ReturnType<typeof createConnectionStore>;
