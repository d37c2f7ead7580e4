// Who is signed in, and the sign-in, unlock, lock and sign-out actions. Tokens never reach the
// renderer: the store only ever holds the SessionState the main process reports.
import { createStore } from 'zustand/vanilla';
import type { ApiError, IpcResult, SessionState, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';

export interface SessionStore {
  /** null until the main process has answered the first `session.getState`. */
  session: SessionState | null;
  loadError: ApiError | null;
  pending: boolean;
  actionError: ApiError | null;
  load(): Promise<void>;
  apply(session: SessionState): void;
  login(email: string, password: string): Promise<boolean>;
  unlock(password: string): Promise<boolean>;
  lock(): Promise<void>;
  logout(): Promise<void>;
  clearError(): void;
}

export function createSessionStore(bridge: VoxanneBridge) {
  return createStore<SessionStore>()((set, get) => {
    async function run(action: () => Promise<IpcResult<SessionState>>): Promise<boolean> {
      if (get().pending) return false;
      set({ pending: true, actionError: null });
      const result = await action();
      if (result.ok) set({ pending: false, session: result.data, actionError: null });
      else set({ pending: false, actionError: result.error });
      return result.ok;
    }
    return {
      session: null,
      loadError: null,
      pending: false,
      actionError: null,
      async load() {
        set({ loadError: null });
        const result = await settle(bridge.session.getState({}));
        if (result.ok) set({ session: result.data });
        else set({ loadError: result.error });
      },
      apply(session) {
        // A new state from the main process (expiry, lock, unlock elsewhere) makes an old error moot.
        if (session.status !== get().session?.status) set({ session, actionError: null });
        else set({ session });
      },
      login: (email, password) => run(() => settle(bridge.session.login({ email, password }))),
      unlock: (password) => run(() => settle(bridge.session.unlock({ password }))),
      lock: async () => {
        await run(() => settle(bridge.session.lock({})));
      },
      logout: async () => {
        await run(() => settle(bridge.session.logout({})));
      },
      clearError: () => set({ actionError: null }),
    };
  });
}
export type SessionStoreApi = ReturnType<typeof createSessionStore>;
