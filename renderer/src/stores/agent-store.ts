// The assistant's personality: what the server has, the draft being edited (kept here so it
// survives the idle lock screen), saving, and the voice-platform sync status.
import { createStore } from 'zustand/vanilla';
import type { AgentPersonality, AgentResponse, ApiError, LiveEvent, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';
import { type LoadState, IDLE, LOADING, READY, failed } from './load-state';
import { checkPersonality, samePersonality } from './personality-draft';

export interface AgentStore {
  agent: AgentResponse | null;
  load: LoadState;
  /** null while the form shows exactly what the server has. */
  draft: AgentPersonality | null;
  saving: boolean;
  saveError: ApiError | null;
  /** Someone saved the personality elsewhere while this console had unsaved edits. */
  changedElsewhere: boolean;
  loadAgent(): Promise<void>;
  edit(draft: AgentPersonality): void;
  discard(): void;
  save(): Promise<boolean>;
  applyEvents(events: readonly LiveEvent[]): void;
  reset(): void;
}

export function createAgentStore(bridge: VoxanneBridge) {
  return createStore<AgentStore>()((set, get) => ({
    agent: null,
    load: IDLE,
    draft: null,
    saving: false,
    saveError: null,
    changedElsewhere: false,
    async loadAgent() {
      // A refresh (after `agent.updated`) keeps the form on screen rather than flashing "Loading".
      if (!get().agent) set({ load: LOADING });
      const result = await settle(bridge.agent.get({}));
      if (!result.ok) {
        set({ load: failed(result.error) });
        return;
      }
      const wasEditing = get().draft !== null;
      const changed = get().agent !== null && get().agent?.updatedAt !== result.data.updatedAt;
      set({ agent: result.data, load: READY, changedElsewhere: wasEditing && changed });
    },
    edit(draft) {
      const saved = get().agent?.personality;
      const same = saved !== undefined && samePersonality(saved, draft);
      set({ draft: same ? null : draft, saveError: null });
    },
    discard() {
      set({ draft: null, saveError: null, changedElsewhere: false });
    },
    async save() {
      const { draft, saving } = get();
      if (!draft || saving) return false;
      const checked = checkPersonality(draft);
      if (!checked.ok) return false;
      set({ saving: true, saveError: null });
      const result = await settle(bridge.agent.update({ personality: checked.personality }));
      if (!result.ok) {
        set({ saving: false, saveError: result.error });
        return false;
      }
      set({ saving: false, agent: result.data, draft: null, changedElsewhere: false });
      return true;
    },
    applyEvents(events) {
      const updates = events.filter((e) => e.kind === 'agent.updated');
      const last = updates[updates.length - 1];
      const { agent } = get();
      if (!last || last.kind !== 'agent.updated' || !agent) return;
      set({ agent: { ...agent, sync: last.data.sync } });
      // The event carries the sync status only; the personality itself may have changed too.
      void get().loadAgent();
    },
    reset() {
      set({ agent: null, load: IDLE, draft: null, saving: false, saveError: null, changedElsewhere: false });
    },
  }));
}
export type AgentStoreApi = ReturnType<typeof createAgentStore>;
