// The console lock, enforced in main: while locked the live stream keeps running and the notifier
// keeps counting, but nothing with patient data reaches the renderer or a notification; unlocking
// takes the password, checked by the backend, and tells the renderer to catch up.
import type { LiveBatch, SessionState } from '@voxanne/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoreHarness, settle, type CoreHarness } from '../test/core-harness.js';
import { PASSWORD, USER } from '../test/fake-backend.js';
import { callSummary, transcript } from '../test/live-events.js';
import { LOCKED_TEXT } from './notifier.js';
import { UserMessage } from './user-messages.js';
import { waitFor } from '../test/wait-for.js';

const CALLER_NAME = 'Ada Lovelace';
const CALLER_NUMBER = '+442079460958';

let h: CoreHarness;
beforeEach(async () => {
  h = await createCoreHarness({ accessTtlSeconds: 3_600 });
});
afterEach(async () => {
  await h.close();
});

/** A call with a name, a number and something said: everything a lock must keep off the screen. */
function ringWithPatientData(): string {
  const call = callSummary({ patientName: CALLER_NAME, callerNumber: CALLER_NUMBER, startedAt: new Date(h.clock.now()).toISOString() });
  h.backend.emit({ kind: 'call.started', data: { call } });
  h.backend.emit(transcript(call.id, 'caller', 'final', 'My date of birth is the tenth of December'));
  h.backend.emit({
    kind: 'attention.needed',
    data: {
      callId: call.id,
      reason: 'caller_asked_for_staff',
      message: 'Asks about her test results',
      patientName: CALLER_NAME,
      callerNumber: CALLER_NUMBER,
    },
  });
  return call.id;
}

/** Waits (real time) until main's live connection holds `count` events, moving the coalescer on. */
async function waitForReceived(count: number): Promise<void> {
  await waitFor(async () => {
    await h.clock.tick(500);
    expect(h.core.live.recentEvents().length).toBeGreaterThanOrEqual(count);
  });
  // One more coalescing window, so anything that would be pushed has been.
  await h.clock.tick(1_000);
  await settle(10);
}

describe('Console lock: nothing with patient data leaves main while locked', () => {
  it('keeps the stream but pushes no batch, and the notifications and tray name no one', async () => {
    await h.signIn();
    await h.invoke('session.lock');
    const pushesBefore = h.pushes.length;

    ringWithPatientData();
    await waitForReceived(3);

    const sinceLock = h.pushes.slice(pushesBefore);
    expect(sinceLock.filter((p) => p.channel === 'live.onBatch')).toEqual([]);
    expect(JSON.stringify(sinceLock)).not.toMatch(/Ada|Lovelace|\+44|birth|test results/);
    expect(h.core.live.getState().status).toBe('live');

    const shown = h.notifications.shown.map((s) => s.notification);
    expect(shown.map((n) => [n.title, n.body])).toEqual([
      [LOCKED_TEXT['inbound-call'].title, LOCKED_TEXT['inbound-call'].body],
      [LOCKED_TEXT.attention.title, LOCKED_TEXT.attention.body],
    ]);
    expect(shown.map((n) => n.title)).toEqual(['Incoming call', 'A caller needs a person']);
    expect(JSON.stringify(shown)).not.toMatch(/Ada|Lovelace|\+44|7946|0958|test results/);
    expect(JSON.stringify(h.notifications.tray)).not.toMatch(/Ada|Lovelace|\+44|0958/);
    expect(h.notifications.lastTray?.statusText).toBe('Live · 1 call needs you · locked');
  });

  it('answers no data request while locked, and a wrong password keeps it locked', async () => {
    await h.signIn();
    await h.invoke('session.lock');
    for (const channel of ['calls.list', 'dashboard.getStats', 'bookings.list'] as const) {
      const request = channel === 'calls.list' ? { limit: 20 } : {};
      expect(await h.invoke(channel, request)).toEqual({ ok: false, error: { code: 'forbidden', message: UserMessage.locked } });
    }
    expect(await h.invoke('session.unlock', { password: 'not it' })).toMatchObject({ ok: false, error: { code: 'invalid_credentials' } });
    expect(h.core.session.getState().status).toBe('locked');
    ringWithPatientData();
    await waitForReceived(3);
    expect(h.batches).toEqual([]);
  });

  it('withholds the answer to a request that was asked before the lock and answered after it', async () => {
    await h.signIn();
    let release!: () => void;
    h.backend.restGate = new Promise<void>((resolve) => (release = resolve));
    const restBefore = h.backend.counts.rest;
    const answer = h.invoke('calls.list', { limit: 20 });
    await waitFor(() => expect(h.backend.counts.rest).toBeGreaterThan(restBefore));
    await h.invoke('session.lock');
    release();
    h.backend.restGate = null;
    expect(await answer).toEqual({ ok: false, error: { code: 'forbidden', message: UserMessage.locked } });
  });

  it('catches the renderer up on unlock, then streams again', async () => {
    await h.signIn();
    h.batches.length = 0;
    await h.invoke('session.lock');
    ringWithPatientData();
    await waitForReceived(3);

    const pushesBefore = h.pushes.length;
    expect(await h.invoke('session.unlock', { password: PASSWORD })).toEqual({ ok: true, data: { status: 'signed-in', user: USER } });
    // First the new session state, then one resync: the renderer reloads everything over REST.
    expect(h.pushes.slice(pushesBefore).map((p) => p.channel)).toEqual(['session.onState', 'live.onBatch']);
    expect(h.batches).toEqual([{ events: [], resyncRequired: true } satisfies LiveBatch]);
    expect((await h.invoke('calls.list', { limit: 20 })).ok).toBe(true);

    const next = callSummary({ startedAt: new Date(h.clock.now()).toISOString() });
    h.backend.emit({ kind: 'call.started', data: { call: next } });
    await waitFor(async () => {
      await h.clock.tick(500);
      expect(h.batches.flatMap((b) => b.events).map((e) => (e.kind === 'call.started' ? e.data.call.id : null))).toContain(next.id);
    });
    expect(h.notifications.lastTray?.statusText).not.toContain('locked');
  });

  it('locks after the idle time on the injected clock, and the lock outlives a renderer reload', async () => {
    await h.signIn();
    const states: SessionState[] = [];
    h.core.onPush((channel, payload) => channel === 'session.onState' && states.push(payload as SessionState));
    await h.advance(15 * 60_000 - 1_000);
    expect(h.core.session.getState().status).toBe('signed-in');
    await h.advance(1_000, 1_000);
    expect(states).toEqual([{ status: 'locked', user: USER }]);
    // A reloaded renderer asks main for the session: still locked.
    expect(await h.invoke('session.getState')).toEqual({ ok: true, data: { status: 'locked', user: USER } });
  });

  it('names the caller again once unlocked', async () => {
    await h.signIn();
    await h.invoke('session.lock');
    await h.invoke('session.unlock', { password: PASSWORD });
    ringWithPatientData();
    await waitFor(() => expect(h.notifications.shown).toHaveLength(2));
    expect(h.notifications.shown[0]?.notification.body).toContain(CALLER_NAME);
  });
});
