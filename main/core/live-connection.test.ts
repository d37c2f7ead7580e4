import { randomUUID } from 'node:crypto';
import { LiveCloseCode, type ConnectionState, type LiveEvent } from '@voxanne/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoreHarness, settle, type CoreHarness } from '../test/core-harness.js';
import { callSummary, transcript } from '../test/live-events.js';
import { UserMessage } from './user-messages.js';
import { waitFor } from '../test/wait-for.js';

let h: CoreHarness;
const states = (): ConnectionState[] => h.pushes.filter((p) => p.channel === 'connection.onState').map((p) => p.payload as ConnectionState);
const batchedEvents = (): LiveEvent[] => h.batches.flatMap((b) => b.events);

/** Waits (real time) for the next `reconnecting` state with a scheduled retry, and returns the wait. */
async function nextRetryDelay(previousAttempt: number): Promise<number> {
  let state: ConnectionState | undefined;
  await waitFor(() => {
    state = h.core.live.getState();
    if (state.status !== 'reconnecting' || state.attempt <= previousAttempt || state.nextRetryAt === null) throw new Error('not yet');
  });
  return Date.parse(state!.nextRetryAt!) - h.clock.now();
}

beforeEach(async () => {
  h = await createCoreHarness();
});
afterEach(async () => {
  await h.close();
});

describe('LiveConnection: connecting and backoff', () => {
  it('connects after sign-in with the token as a subprotocol, resumes from the server position and reports live', async () => {
    h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    await h.signIn();
    const [socket] = [...h.backend.live];
    expect(socket?.received).toEqual([{ type: 'resume', afterSeq: 2 }]);
    expect(socket?.token).toMatch(/^at-/);
    expect(states().map((s) => s.status)).toEqual(['connecting', 'live']);
    expect(h.core.live.getState()).toMatchObject({ status: 'live', reason: null, attempt: 0, nextRetryAt: null });
  });

  it('waits 1, 2, 4, 8, 16, 16 s between failed attempts when jitter draws its maximum', async () => {
    await h.signIn();
    h.random.value = 0.999_999_9;
    await h.backend.stop();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const delay = await nextRetryDelay(attempt);
      delays.push(delay);
      await h.clock.tick(delay);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000]);
  });

  it('never waits less than 80 % of the step when jitter draws its minimum', async () => {
    await h.signIn();
    h.random.value = 0;
    await h.backend.stop();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const delay = await nextRetryDelay(attempt);
      delays.push(delay);
      await h.clock.tick(delay);
    }
    expect(delays).toEqual([800, 1_600, 3_200, 6_400, 12_800, 12_800]);
  });

  it('reports reconnecting with a user-facing reason, then live again once the server is back', async () => {
    await h.signIn();
    await h.backend.stop();
    await nextRetryDelay(0);
    expect(h.core.live.getState().reason).toBe(UserMessage.lostContact);
    await h.clock.tick(1_000);
    await nextRetryDelay(1);
    expect(h.core.live.getState().reason).toBe(UserMessage.serverUnreachable);
    await h.backend.start();
    await h.clock.tick(2_000);
    await h.waitForStatus('live');
    expect(h.core.live.getState().attempt).toBe(0);
  });

  it('says the server is restarting when it closes with 1012', async () => {
    await h.signIn();
    h.backend.closeLive(LiveCloseCode.serverRestart, 'restart');
    await nextRetryDelay(0);
    expect(h.core.live.getState().reason).toBe(UserMessage.serverRestarting);
  });

  it('says the account has too many consoles open when turned away with 4029, and keeps trying', async () => {
    await h.signIn();
    h.backend.closeLive(LiveCloseCode.tooManyConnections, 'too many connections');
    await nextRetryDelay(0);
    expect(h.core.live.getState()).toMatchObject({ status: 'reconnecting', reason: UserMessage.tooManyConsoles });
  });
});

describe('LiveConnection: never two sockets', () => {
  it('opens one socket under racing close, online, resume and retry-now events', async () => {
    await h.signIn();
    h.backend.closeLive(LiveCloseCode.serverRestart);
    h.power.emit('online');
    h.power.emit('resume');
    await Promise.all([h.invoke('connection.retryNow'), h.invoke('connection.retryNow'), h.invoke('connection.retryNow')]);
    await settle(30);
    h.power.emit('online');
    void h.invoke('connection.retryNow');
    await h.clock.tick(20_000);
    await h.waitForStatus('live');
    // The server learns of the closed socket on its own schedule: wait for it, not for a time.
    await waitFor(() => expect(h.backend.liveCount).toBe(1));
    expect(h.backend.maxConcurrentLive).toBe(1);
    expect(h.core.live.diagnostics()).toMatchObject({ socketOpen: true, opening: false });
  });

  it('collapses a burst of retry-now calls while reconnecting into one attempt', async () => {
    await h.signIn();
    await h.backend.stop();
    await nextRetryDelay(0);
    await h.backend.start();
    const before = h.backend.counts.liveHandshakes;
    await Promise.all(Array.from({ length: 10 }, () => h.invoke('connection.retryNow')));
    await h.waitForStatus('live');
    await settle(50);
    expect(h.backend.counts.liveHandshakes - before).toBe(1);
    // Token refresh, idle auto-lock, heartbeat and at most one batch flush: no stray retry timer.
    expect(h.clock.pendingTimers()).toBeLessThanOrEqual(4);
  });
});

describe('LiveConnection: resume and OS hints', () => {
  it('resumes after a disconnect from the last seq it saw and loses nothing', async () => {
    await h.signIn();
    for (let i = 0; i < 3; i++) h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    await waitFor(() => expect(h.core.live.getState().lastSeq === 3 || h.core.live.recentEvents().length === 3).toBe(true));
    await h.backend.stop();
    h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    await h.backend.start();
    const delay = await nextRetryDelay(0);
    await h.clock.tick(delay);
    await h.waitForStatus('live');
    const [socket] = [...h.backend.live];
    expect(socket?.received[0]).toEqual({ type: 'resume', afterSeq: 3 });
    await h.clock.tick(1_000);
    expect(batchedEvents().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('goes straight back, from its last seq, when the server closes it as too slow (4009)', async () => {
    await h.signIn();
    h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    await waitFor(() => expect(h.core.live.recentEvents()).toHaveLength(1));
    h.backend.closeLive(LiveCloseCode.resync, 'too far behind');
    await waitFor(() => expect(h.backend.counts.liveHandshakes).toBe(2));
    await h.waitForStatus('live');
    expect([...h.backend.live][0]?.received[0]).toEqual({ type: 'resume', afterSeq: 1 });
    expect(states().map((s) => s.reason)).toContain(UserMessage.catchingUp);
  });

  it('starts over, and has the renderer reload, when the server log is behind it (a new database)', async () => {
    await h.signIn();
    for (let i = 0; i < 3; i++) h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    await waitFor(() => expect(h.core.live.recentEvents()).toHaveLength(3));
    await h.clock.tick(1_000);
    await h.backend.stop();
    h.backend.resetLog();
    await h.backend.start();
    h.batches.length = 0;
    await h.clock.tick(await nextRetryDelay(0));
    await h.waitForStatus('live');
    expect([...h.backend.live][0]?.received[0]).toEqual({ type: 'resume', afterSeq: 0 });
    h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    await waitFor(() => expect(h.core.live.recentEvents().map((e) => e.seq)).toEqual([1]));
    await h.clock.tick(1_000);
    expect(h.batches[0]?.resyncRequired).toBe(true);
    expect(batchedEvents().map((e) => e.seq)).toEqual([1]);
  });

  it('goes offline when the OS says so, stops retrying, and connects at once when it is back', async () => {
    await h.signIn();
    h.power.emit('offline');
    expect(h.core.live.getState()).toMatchObject({ status: 'offline', reason: UserMessage.computerOffline });
    await waitFor(() => expect(h.backend.liveCount).toBe(0));
    const handshakes = h.backend.counts.liveHandshakes;
    await h.clock.tick(60_000);
    expect(h.backend.counts.liveHandshakes).toBe(handshakes);
    h.power.emit('online');
    await h.waitForStatus('live');
    expect(h.backend.counts.liveHandshakes).toBe(handshakes + 1);
  });

  it('reconnects at once after a resume from sleep instead of waiting out the backoff', async () => {
    await h.signIn();
    h.random.value = 0.999_999;
    await h.backend.stop();
    await nextRetryDelay(0);
    await h.clock.tick(1_000);
    await nextRetryDelay(1);
    await h.backend.start();
    h.power.emit('resume');
    await h.waitForStatus('live');
  });

  it('drops a socket that stops answering pings (heartbeat) and reconnects', async () => {
    await h.signIn();
    h.backend.answerPings = false;
    await h.clock.tick(15_000);
    await settle(30);
    expect(h.core.live.getState().status).toBe('live');
    await h.clock.tick(10_000);
    const delay = await nextRetryDelay(0);
    expect(h.core.live.getState().reason).toBe(UserMessage.lostContact);
    h.backend.answerPings = true;
    await h.clock.tick(delay);
    await h.waitForStatus('live');
  });

  it('keeps a quiet but healthy connection live across many heartbeats', async () => {
    await h.signIn();
    for (let i = 0; i < 6; i++) {
      await h.clock.tick(15_000);
      // The pong comes back on real time; the next ticks would call the connection dead without it.
      await waitFor(() => expect(h.core.live.diagnostics().awaitingPong).toBe(false));
      await h.clock.tick(5_000);
    }
    expect(h.core.live.getState().status).toBe('live');
    expect(h.backend.counts.liveHandshakes).toBe(1);
  });
});

describe('LiveConnection: authentication', () => {
  it('refreshes and re-authenticates on the same socket when the server says the token is expiring', async () => {
    await h.signIn();
    const refreshes = h.backend.counts.refresh;
    h.backend.broadcast({ type: 'token-expiring', expiresAt: new Date(h.clock.now() + 30_000).toISOString() });
    const [socket] = [...h.backend.live];
    await waitFor(() => expect(socket?.received.some((m) => m.type === 'auth')).toBe(true));
    expect(h.backend.counts.refresh).toBe(refreshes + 1);
    expect(h.backend.counts.liveHandshakes).toBe(1);
  });

  it('refreshes the token and reconnects at once when the server closes with "auth expired"', async () => {
    await h.signIn();
    h.backend.closeLive(LiveCloseCode.authExpired);
    await waitFor(() => expect(h.backend.counts.liveHandshakes).toBe(2));
    await h.waitForStatus('live');
    expect(h.backend.counts.refresh).toBe(1);
  });

  it('refreshes when the handshake is refused with 401, then connects', async () => {
    await h.signIn();
    h.backend.expireAccessTokens();
    h.backend.closeLive(LiveCloseCode.serverRestart);
    const delay = await nextRetryDelay(0);
    await h.clock.tick(delay);
    await h.waitForStatus('live');
    expect(h.backend.counts.refresh).toBeGreaterThanOrEqual(1);
  });

  it('signs out with a reason and does not reconnect when the server revokes the session', async () => {
    await h.signIn();
    h.backend.closeLive(LiveCloseCode.authRevoked, 'revoked');
    await h.waitForStatus('signed-out');
    expect(h.core.session.getState()).toEqual({ status: 'signed-out', reason: UserMessage.sessionRevoked });
    await h.clock.tick(60_000);
    expect(h.backend.counts.liveHandshakes).toBe(1);
    expect(h.vault.token).toBeNull();
  });

  it('closes the socket and reports signed-out on sign-out', async () => {
    await h.signIn();
    await h.invoke('session.logout');
    expect(h.core.live.getState().status).toBe('signed-out');
    await waitFor(() => expect(h.backend.liveCount).toBe(0));
  });
});

describe('LiveConnection: de-duplication, bounded history, coalescing', () => {
  it('drops an event seen before, by id or by seq', async () => {
    await h.signIn();
    const event = h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    h.backend.broadcast({ type: 'event', event });
    h.backend.broadcast({ type: 'event', event: { ...event, id: randomUUID() } });
    h.backend.emit({ kind: 'call.started', data: { call: callSummary() } });
    // One socket keeps order: once seq 2 is in, both duplicates before it have been judged.
    await waitFor(() => expect(h.core.live.recentEvents().at(-1)?.seq).toBe(2));
    await h.clock.tick(1_000);
    expect(batchedEvents().map((e) => e.seq)).toEqual([1, 2]);
    expect(h.notifications.shown).toHaveLength(2);
  });

  it('keeps at most 100 raw events however many arrive', async () => {
    await h.signIn();
    for (let i = 0; i < 250; i++) h.backend.emit({ kind: 'call.started', data: { call: callSummary({ direction: 'outbound' }) } });
    await waitFor(() => expect(h.core.live.recentEvents().at(-1)?.seq).toBe(250));
    expect(h.core.live.recentEvents()).toHaveLength(100);
    expect(h.core.live.recentEvents()[0]?.seq).toBe(151);
    expect(h.core.live.diagnostics().seenIds).toBeLessThanOrEqual(1_000);
  });

  it('sends at most one batch per 500 ms, with a partial transcript replaced by its newer version', async () => {
    await h.signIn();
    h.batches.length = 0;
    const callId = randomUUID();
    h.backend.emit(transcript(callId, 'caller', 'partial', 'I would'));
    h.backend.emit(transcript(callId, 'caller', 'partial', 'I would like'));
    h.backend.emit(transcript(callId, 'assistant', 'partial', 'Sure'));
    h.backend.emit(transcript(callId, 'caller', 'final', 'I would like a check-up.'));
    h.backend.emit(transcript(callId, 'caller', 'partial', 'On'));
    h.backend.emit(transcript(callId, 'caller', 'partial', 'On Tuesday'));
    await waitFor(() => expect(h.core.live.recentEvents()).toHaveLength(6));
    await h.clock.tick(500);
    const texts = batchedEvents().map((e) =>
      e.kind === 'call.transcript' ? `${e.data.speaker}:${e.data.transcriptType}:${e.data.text}` : e.kind,
    );
    expect(texts).toEqual(['assistant:partial:Sure', 'caller:final:I would like a check-up.', 'caller:partial:On Tuesday']);
  });

  it('spaces batches at least 500 ms apart while events stream', async () => {
    await h.signIn();
    const flushedAt: number[] = [];
    h.core.onPush((channel) => channel === 'live.onBatch' && flushedAt.push(h.clock.now()));
    for (let i = 0; i < 20; i++) {
      h.backend.emit({ kind: 'call.started', data: { call: callSummary({ direction: 'outbound' }) } });
      await waitFor(() => expect(h.core.live.recentEvents().at(-1)?.seq).toBe(i + 1));
      await h.clock.tick(100);
    }
    await h.clock.tick(500);
    expect(flushedAt.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < flushedAt.length; i++) expect(flushedAt[i]! - flushedAt[i - 1]!).toBeGreaterThanOrEqual(500);
    expect(batchedEvents().map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('passes resync-required on as a batch flag and resumes from the seq the server gives', async () => {
    await h.signIn();
    h.batches.length = 0;
    h.backend.broadcast({ type: 'resync-required', lastSeq: 0, reason: 'log trimmed' });
    const [socket] = [...h.backend.live];
    await waitFor(() => expect(socket?.received).toContainEqual({ type: 'resume', afterSeq: 0 }));
    await h.clock.tick(500);
    expect(h.batches).toEqual([{ events: [], resyncRequired: true }]);
  });

  it('tells the renderer to reload after the first connect of a session', async () => {
    await h.signIn();
    await h.clock.tick(500);
    expect(h.batches[0]).toEqual({ events: [], resyncRequired: true });
  });
});
