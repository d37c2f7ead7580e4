// Calls as the dashboard shows them: calls in progress with their streaming transcript, recently
// ended calls, and the queue of calls that need a human. Live events are folded in by
// `applyCallEvents`, a pure reducer, once per batch.
import { createStore } from 'zustand/vanilla';
import type { AttentionReason, CallAction, CallSummary, LiveEvent, Speaker, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';
import { type LoadState, IDLE, LOADING, READY, failed } from './load-state';
import { callerLabel } from '../format/people';

/** How many ended calls the dashboard lists. */
export const RECENT_CALLS_SHOWN = 20;
/** A call's transcript is bounded in memory; the call detail page has the full stored one. */
export const LIVE_TRANSCRIPT_LINES_KEPT = 400;
/** How many calls the dashboard asks for when it (re)loads. */
const DASHBOARD_CALLS_FETCHED = 50;
/** In-progress calls whose transcript so far is fetched on load; the rest stream from now on. */
const TRANSCRIPTS_FETCHED_ON_LOAD = 12;

export interface TranscriptLine {
  id: string;
  speaker: Speaker;
  text: string;
}

export interface LiveCall {
  call: CallSummary;
  lines: TranscriptLine[];
  /** The newest partial per speaker; replaced by the next partial and cleared by a final. */
  partials: Record<Speaker, string | null>;
  /** What staff last did on the call from any console ("Sam is listening"). */
  lastAction?: CallAction;
}

export interface AttentionItem {
  id: string;
  callId: string | null;
  /** null when the flag came from a stored call rather than a live `attention.needed` event. */
  reason: AttentionReason | null;
  message: string;
  patientName: string | null;
  callerNumber: string | null;
  at: string;
}

export interface Announcement {
  /** Distinct per announcement so the same words twice are still read out. */
  key: string;
  text: string;
}

export interface CallsData {
  live: Record<string, LiveCall>;
  /** Calls in progress, oldest first, so a card never moves when a newer call arrives. */
  liveIds: string[];
  recent: CallSummary[];
  attention: AttentionItem[];
  announcement: Announcement | null;
}

export interface CallsStore extends CallsData {
  load: LoadState;
  /** Events that arrived while a load was in flight, replayed over its result. */
  replay: LiveEvent[] | null;
  /** Attention items the front desk marked handled (by item id and by call id), kept across reloads. */
  handled: string[];
  loadDashboardCalls(): Promise<void>;
  applyEvents(events: LiveEvent[]): void;
  dismissAttention(id: string): void;
  /** Forgets every call; `keepHandled` (the lock screen) keeps which alerts were already dealt with. */
  reset(options?: { keepHandled?: boolean }): void;
}

const EMPTY_DATA: CallsData = { live: {}, liveIds: [], recent: [], attention: [], announcement: null };
const NO_PARTIALS: Record<Speaker, string | null> = { assistant: null, caller: null };

/** Folds live events into the calls data; returns the same object when nothing it shows changed. */
export function applyCallEvents(state: CallsData, events: readonly LiveEvent[]): CallsData {
  let live = state.live;
  let liveIds = state.liveIds;
  let recent = state.recent;
  let attention = state.attention;
  let announcement = state.announcement;
  const own = { live: false, liveIds: false };
  const writableLive = () => {
    if (!own.live) {
      live = { ...live };
      own.live = true;
    }
    return live;
  };
  const writableIds = () => {
    if (!own.liveIds) {
      liveIds = [...liveIds];
      own.liveIds = true;
    }
    return liveIds;
  };

  const endCall = (call: CallSummary) => {
    if (live[call.id]) {
      delete writableLive()[call.id];
      const ids = writableIds();
      ids.splice(ids.indexOf(call.id), 1);
    }
    recent = [call, ...recent.filter((c) => c.id !== call.id)].slice(0, RECENT_CALLS_SHOWN);
  };
  const upsertLive = (call: CallSummary) => {
    const existing = live[call.id];
    if (existing) {
      writableLive()[call.id] = { ...existing, call };
      return false;
    }
    // A call already known to have ended stays ended, whatever arrives late.
    if (recent.some((c) => c.id === call.id && c.status === 'ended')) return false;
    writableLive()[call.id] = { call, lines: [], partials: NO_PARTIALS };
    writableIds().push(call.id);
    return true;
  };

  for (const event of events) {
    switch (event.kind) {
      case 'call.started':
      case 'call.status': {
        const { call } = event.data;
        if (call.status === 'ended') {
          endCall(call);
          break;
        }
        const isNew = upsertLive(call);
        if (isNew && event.kind === 'call.started') {
          announcement = { key: event.id, text: describeCallStart(call) };
        }
        break;
      }
      case 'call.ended':
        endCall(event.data.call);
        break;
      case 'call.transcript': {
        const { callId, speaker, transcriptType, text, segmentId } = event.data;
        const current = live[callId];
        if (!current) break;
        if (transcriptType === 'partial') {
          writableLive()[callId] = { ...current, partials: { ...current.partials, [speaker]: text } };
          break;
        }
        const id = segmentId ?? event.id;
        const alreadyHave = current.lines.some((line) => line.id === id);
        const lines = alreadyHave ? current.lines : [...current.lines, { id, speaker, text }].slice(-LIVE_TRANSCRIPT_LINES_KEPT);
        writableLive()[callId] = { ...current, lines, partials: { ...current.partials, [speaker]: null } };
        break;
      }
      case 'calls.deleted': {
        // Retention or an erasure removed them for good: no view keeps showing them.
        const gone = new Set(event.data.callIds);
        for (const id of gone) {
          if (!live[id]) continue;
          delete writableLive()[id];
          const ids = writableIds();
          ids.splice(ids.indexOf(id), 1);
        }
        if (recent.some((c) => gone.has(c.id))) recent = recent.filter((c) => !gone.has(c.id));
        if (attention.some((item) => item.callId && gone.has(item.callId))) {
          attention = attention.filter((item) => !(item.callId && gone.has(item.callId)));
        }
        break;
      }
      case 'call.action': {
        const { action } = event.data;
        const current = live[action.callId];
        if (current) writableLive()[action.callId] = { ...current, lastAction: action };
        break;
      }
      case 'attention.needed': {
        if (attention.some((item) => item.id === event.id)) break;
        const { callId, reason, message, patientName, callerNumber } = event.data;
        attention = [{ id: event.id, callId, reason, message, patientName, callerNumber, at: event.at }, ...attention];
        const current = callId ? live[callId] : undefined;
        if (callId && current) writableLive()[callId] = { ...current, call: { ...current.call, needsAttention: true } };
        announcement = { key: event.id, text: `Needs attention: ${message}` };
        break;
      }
      default:
        break;
    }
  }

  if (
    live === state.live &&
    liveIds === state.liveIds &&
    recent === state.recent &&
    attention === state.attention &&
    announcement === state.announcement
  ) {
    return state;
  }
  return { live, liveIds, recent, attention, announcement };
}

function describeCallStart(call: CallSummary): string {
  if (call.direction === 'outbound') return `Test call started to ${callerLabel(call)}`;
  if (call.direction === 'web') return 'Web test call started';
  return `New call from ${callerLabel(call)}`;
}

/** Turns a freshly loaded list of the newest calls into the dashboard's view of them. */
export function dashboardCallsFrom(items: readonly CallSummary[]): CallsData {
  const active = items
    .filter((c) => c.status !== 'ended')
    .sort((a, b) => (a.startedAt ?? a.createdAt).localeCompare(b.startedAt ?? b.createdAt));
  const live: Record<string, LiveCall> = {};
  for (const call of active) live[call.id] = { call, lines: [], partials: NO_PARTIALS };
  const attention: AttentionItem[] = items
    .filter((c) => c.needsAttention)
    .map((c) => ({
      id: `call:${c.id}`,
      callId: c.id,
      reason: null,
      message: 'This call was flagged for the front desk.',
      patientName: c.patientName,
      callerNumber: c.callerNumber,
      at: c.startedAt ?? c.createdAt,
    }));
  return {
    live,
    liveIds: active.map((c) => c.id),
    recent: items.filter((c) => c.status === 'ended').slice(0, RECENT_CALLS_SHOWN),
    attention,
    announcement: null,
  };
}

export function createCallsStore(bridge: VoxanneBridge) {
  return createStore<CallsStore>()((set, get) => ({
    ...EMPTY_DATA,
    load: IDLE,
    replay: null,
    handled: [],
    async loadDashboardCalls() {
      set({ load: get().load.status === 'ready' ? get().load : LOADING, replay: [] });
      const result = await settle(bridge.calls.list({ limit: DASHBOARD_CALLS_FETCHED }));
      if (!result.ok) {
        set({ load: failed(result.error), replay: null });
        return;
      }
      const loaded = dashboardCallsFrom(result.data.items);
      // Transcripts so far for calls already in progress; what follows streams in live.
      const details = await Promise.all(loaded.liveIds.slice(0, TRANSCRIPTS_FETCHED_ON_LOAD).map((id) => settle(bridge.calls.get({ id }))));
      for (const detail of details) {
        if (!detail.ok) continue;
        const current = loaded.live[detail.data.id];
        if (current) {
          current.lines = detail.data.transcript
            .slice(-LIVE_TRANSCRIPT_LINES_KEPT)
            .map((s) => ({ id: s.id, speaker: s.speaker, text: s.text }));
        }
      }
      const { replay, attention: seenAttention, handled } = get();
      // Attention raised in this session stays; the list only adds flags it did not know about.
      const withReplay = applyCallEvents({ ...loaded, attention: mergeAttention(seenAttention, loaded.attention, handled) }, replay ?? []);
      set({ ...withReplay, announcement: get().announcement, load: READY, replay: null });
    },
    applyEvents(events) {
      const state = get();
      const next = applyCallEvents(state, events);
      const replay = state.replay ? [...state.replay, ...events] : null;
      if (next !== state) set({ ...next, replay });
      else if (replay) set({ replay });
    },
    dismissAttention(id) {
      const item = get().attention.find((i) => i.id === id);
      if (!item) return;
      set({
        attention: get().attention.filter((i) => i.id !== id),
        handled: [...get().handled, id, ...(item.callId ? [item.callId] : [])],
      });
    },
    reset(options) {
      set({ ...EMPTY_DATA, load: IDLE, replay: null, handled: options?.keepHandled ? get().handled : [] });
    },
  }));
}
export type CallsStoreApi = ReturnType<typeof createCallsStore>;

function mergeAttention(seen: AttentionItem[], loaded: AttentionItem[], handled: string[]): AttentionItem[] {
  const known = new Set([...seen.map((item) => item.callId), ...handled]);
  return [...seen, ...loaded.filter((item) => !known.has(item.callId))];
}
