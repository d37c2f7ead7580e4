import { describe, expect, it } from 'vitest';
import { LIVE_TRANSCRIPT_LINES_KEPT, RECENT_CALLS_SHOWN, applyCallEvents, dashboardCallsFrom, type CallsData } from './calls-store';
import { event, id, makeCall, makeLiveCall } from '../../test/factories';

const empty: CallsData = { live: {}, liveIds: [], recent: [], attention: [], announcement: null };
const partial = (callId: string, speaker: 'caller' | 'assistant', text: string) =>
  event('call.transcript', { callId, speaker, transcriptType: 'partial', text, segmentId: null });
const final = (callId: string, speaker: 'caller' | 'assistant', text: string, segmentId = id()) =>
  event('call.transcript', { callId, speaker, transcriptType: 'final', text, segmentId });

describe('applyCallEvents', () => {
  it('replaces a partial with the next partial, and clears it with the final of the same speaker', () => {
    const call = makeLiveCall();
    let state = applyCallEvents(empty, [event('call.started', { call })]);
    state = applyCallEvents(state, [partial(call.id, 'caller', 'I'), partial(call.id, 'assistant', 'Hel')]);
    state = applyCallEvents(state, [partial(call.id, 'caller', 'I need')]);
    expect(state.live[call.id]?.partials).toEqual({ caller: 'I need', assistant: 'Hel' });
    state = applyCallEvents(state, [final(call.id, 'caller', 'I need a check-up.')]);
    expect(state.live[call.id]?.partials).toEqual({ caller: null, assistant: 'Hel' });
    expect(state.live[call.id]?.lines.map((l) => l.text)).toEqual(['I need a check-up.']);
  });

  it('keeps a final once even if it is delivered twice', () => {
    const call = makeLiveCall();
    const segment = id();
    let state = applyCallEvents(empty, [event('call.started', { call })]);
    state = applyCallEvents(state, [final(call.id, 'caller', 'Hello', segment), final(call.id, 'caller', 'Hello', segment)]);
    expect(state.live[call.id]?.lines).toHaveLength(1);
  });

  it("bounds a call's transcript in memory", () => {
    const call = makeLiveCall();
    const many = Array.from({ length: LIVE_TRANSCRIPT_LINES_KEPT + 50 }, (_, i) => final(call.id, 'caller', `line ${i}`));
    const state = applyCallEvents(empty, [event('call.started', { call }), ...many]);
    expect(state.live[call.id]?.lines).toHaveLength(LIVE_TRANSCRIPT_LINES_KEPT);
    expect(state.live[call.id]?.lines.at(-1)?.text).toBe(`line ${LIVE_TRANSCRIPT_LINES_KEPT + 49}`);
  });

  it('moves an ended call to recent calls, newest first, bounded', () => {
    const older = Array.from({ length: RECENT_CALLS_SHOWN }, () => makeCall());
    const call = makeLiveCall();
    let state = applyCallEvents({ ...empty, recent: older }, [event('call.started', { call })]);
    expect(state.liveIds).toEqual([call.id]);
    state = applyCallEvents(state, [event('call.ended', { call: { ...call, status: 'ended' } })]);
    expect(state.liveIds).toEqual([]);
    expect(state.live[call.id]).toBeUndefined();
    expect(state.recent[0]?.id).toBe(call.id);
    expect(state.recent).toHaveLength(RECENT_CALLS_SHOWN);
  });

  it('drops calls that retention or an erasure deleted, from live and recent calls', () => {
    const kept = makeCall();
    const gone = makeCall();
    const live = makeLiveCall();
    let state = applyCallEvents({ ...empty, recent: [kept, gone] }, [event('call.started', { call: live })]);
    state = applyCallEvents(state, [event('calls.deleted', { callIds: [gone.id, live.id], reason: 'retention' })]);
    expect(state.recent.map((c) => c.id)).toEqual([kept.id]);
    expect(state.liveIds).toEqual([]);
    expect(state.live[live.id]).toBeUndefined();
  });

  it('never brings back an ended call on a late status event', () => {
    const call = makeLiveCall();
    let state = applyCallEvents(empty, [event('call.ended', { call: { ...call, status: 'ended' } })]);
    state = applyCallEvents(state, [event('call.status', { callId: call.id, status: 'ringing', call: { ...call, status: 'ringing' } })]);
    expect(state.liveIds).toEqual([]);
  });

  it('keeps cards in arrival order so nothing moves when a new call comes in', () => {
    const a = makeLiveCall();
    const b = makeLiveCall();
    let state = applyCallEvents(empty, [event('call.started', { call: a })]);
    state = applyCallEvents(state, [event('call.started', { call: b })]);
    state = applyCallEvents(state, [event('call.status', { callId: a.id, status: 'forwarding', call: { ...a, status: 'forwarding' } })]);
    expect(state.liveIds).toEqual([a.id, b.id]);
  });

  it('returns the same state for events it does not show, so nothing re-renders', () => {
    const state = applyCallEvents(empty, [
      event('stats.changed', {
        stats: {
          date: '2026-03-02',
          timeZone: 'UTC',
          callsToday: 1,
          answered: 1,
          missed: 0,
          inProgress: 0,
          bookingsToday: 0,
          averageDurationSeconds: null,
          bookingRate: null,
        },
      }),
    ]);
    expect(state).toBe(empty);
  });

  it('flags the live call that needs attention and queues the item once', () => {
    const call = makeLiveCall();
    const attention = event('attention.needed', {
      callId: call.id,
      reason: 'tool_failed',
      message: 'Could not book.',
      patientName: null,
      callerNumber: null,
    });
    let state = applyCallEvents(empty, [event('call.started', { call })]);
    state = applyCallEvents(state, [attention, attention]);
    expect(state.attention).toHaveLength(1);
    expect(state.live[call.id]?.call.needsAttention).toBe(true);
    expect(state.announcement?.text).toBe('Needs attention: Could not book.');
  });
});

describe('dashboardCallsFrom', () => {
  it('splits a loaded page into calls in progress and recent calls, and queues flagged ones', () => {
    const live = makeLiveCall();
    const ended = makeCall({ needsAttention: true });
    const data = dashboardCallsFrom([live, ended]);
    expect(data.liveIds).toEqual([live.id]);
    expect(data.recent.map((c) => c.id)).toEqual([ended.id]);
    expect(data.attention.map((a) => a.callId)).toEqual([ended.id]);
  });
});
