// The clinic's shared work queue as this console sees it: the items not yet done (open and claimed,
// in the order the desk works them) and the counts per kind, loaded once and kept current by
// work_item.changed, so a claim on another console shows here as soon as its event arrives.
// Events that arrive while the first load is in flight are replayed onto it.
import { createStore } from 'zustand/vanilla';
import {
  WORK_ITEM_PRIORITIES,
  type IpcResult,
  type LiveEvent,
  type VoxanneBridge,
  type WorkItem,
  type WorkItemCounts,
  type WorkItemOutcome,
} from '@voxanne/protocol';
import { settle } from '../bridge';
import { type LoadState, IDLE, LOADING, READY, failed } from './load-state';

export interface WorkQueueStore {
  /** Open and claimed items, by priority then due time. */
  items: WorkItem[];
  counts: WorkItemCounts | null;
  load: LoadState;
  replay: LiveEvent[] | null;
  loadQueue(): Promise<void>;
  applyEvents(events: readonly LiveEvent[]): void;
  claim(id: string, takeOver?: boolean): Promise<IpcResult<WorkItem>>;
  release(id: string): Promise<IpcResult<WorkItem>>;
  done(id: string, outcome: WorkItemOutcome, note?: string): Promise<IpcResult<WorkItem>>;
  reopen(id: string): Promise<IpcResult<WorkItem>>;
  callBack(id: string): Promise<IpcResult<WorkItem>>;
  reset(): void;
}

export const queueOrder = (a: WorkItem, b: WorkItem) =>
  WORK_ITEM_PRIORITIES.indexOf(a.priority) - WORK_ITEM_PRIORITIES.indexOf(b.priority) ||
  a.dueAt.localeCompare(b.dueAt) ||
  a.id.localeCompare(b.id);

/** Puts the item's newest version in the list (or takes a done one out); older versions are ignored. */
export function upsertWorkItem(items: WorkItem[], item: WorkItem): WorkItem[] {
  const existing = items.find((w) => w.id === item.id);
  if (existing && existing.updatedAt > item.updatedAt) return items;
  const rest = items.filter((w) => w.id !== item.id);
  return item.status === 'done' ? rest : [...rest, item].sort(queueOrder);
}

const PAGE = 100;

export function createWorkQueueStore(bridge: VoxanneBridge) {
  return createStore<WorkQueueStore>()((set, get) => {
    const applied = (result: IpcResult<WorkItem>): IpcResult<WorkItem> => {
      if (result.ok) set({ items: upsertWorkItem(get().items, result.data) });
      return result;
    };
    return {
      items: [],
      counts: null,
      load: IDLE,
      replay: null,
      async loadQueue() {
        set({ load: LOADING, replay: [] });
        const result = await settle(bridge.workItems.list({ limit: PAGE }));
        if (!result.ok) return set({ load: failed(result.error), replay: null });
        let items = [...result.data.items].sort(queueOrder);
        let counts = result.data.counts;
        for (const event of get().replay ?? []) {
          if (event.kind !== 'work_item.changed') continue;
          items = upsertWorkItem(items, event.data.item);
          counts = event.data.counts;
        }
        set({ items, counts, load: READY, replay: null });
      },
      applyEvents(events) {
        const changes = events.filter((e): e is Extract<LiveEvent, { kind: 'work_item.changed' }> => e.kind === 'work_item.changed');
        if (changes.length === 0) return;
        let { items, counts } = get();
        for (const event of changes) {
          items = upsertWorkItem(items, event.data.item);
          counts = event.data.counts;
        }
        const replay = get().replay;
        set({ items, counts, replay: replay ? [...replay, ...changes] : null });
      },
      async claim(id, takeOver) {
        return applied(await settle(bridge.workItems.claim({ id, ...(takeOver ? { takeOver } : {}) })));
      },
      async release(id) {
        return applied(await settle(bridge.workItems.release({ id })));
      },
      async done(id, outcome, note) {
        return applied(await settle(bridge.workItems.done({ id, outcome, ...(note ? { note } : {}) })));
      },
      async reopen(id) {
        return applied(await settle(bridge.workItems.reopen({ id })));
      },
      async callBack(id) {
        const result = await settle(bridge.workItems.callBack({ id }));
        return applied(result.ok ? { ok: true, data: result.data.item } : result);
      },
      reset() {
        set({ items: [], counts: null, load: IDLE, replay: null });
      },
    };
  });
}
export type WorkQueueStoreApi = ReturnType<typeof createWorkQueueStore>;
