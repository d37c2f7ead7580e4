// Today's figures for the stats cards: loaded once, then replaced by every `stats.changed` event
// (which carries the full DashboardStats, so there is nothing to recompute here).
import { createStore } from 'zustand/vanilla';
import type { DashboardStats, LiveEvent, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';
import { type LoadState, IDLE, LOADING, READY, failed } from './load-state';

export interface StatsStore {
  stats: DashboardStats | null;
  /** A failed refresh keeps the last figures on screen and reports the error beside them. */
  load: LoadState;
  /** Counts `stats.changed` events, so a load that raced one does not overwrite newer figures. */
  eventsApplied: number;
  loadStats(): Promise<void>;
  applyEvents(events: readonly LiveEvent[]): void;
  reset(): void;
}

/** The newest stats carried by a batch, or null when it carries none. */
export function latestStats(events: readonly LiveEvent[]): DashboardStats | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.kind === 'stats.changed') return event.data.stats;
  }
  return null;
}

export function createStatsStore(bridge: VoxanneBridge) {
  return createStore<StatsStore>()((set, get) => ({
    stats: null,
    load: IDLE,
    eventsApplied: 0,
    async loadStats() {
      const before = get().eventsApplied;
      set({ load: LOADING });
      const result = await settle(bridge.dashboard.getStats({}));
      if (!result.ok) set({ load: failed(result.error) });
      else if (get().eventsApplied !== before) set({ load: READY });
      else set({ stats: result.data, load: READY });
    },
    applyEvents(events) {
      const stats = latestStats(events);
      if (stats) set({ stats, eventsApplied: get().eventsApplied + 1 });
    },
    reset() {
      set({ stats: null, load: IDLE, eventsApplied: 0 });
    },
  }));
}
export type StatsStoreApi = ReturnType<typeof createStatsStore>;
