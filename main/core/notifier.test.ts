import { randomUUID } from 'node:crypto';
import {
  DEFAULT_DESKTOP_SETTINGS,
  type ConnectionState,
  type DesktopSettings,
  type LiveEvent,
  type Navigate,
  type WorkItem,
} from '@voxanne/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { callSummary, stamp } from '../test/live-events.js';
import { RecordingNotifications } from '../test/memory-ports.js';
import { createTestClock, type TestClock } from '../test/test-clock.js';
import { silentLogger } from './logger.js';
import { DesktopNotifier, STORM_WINDOW_MS } from './notifier.js';

let clock: TestClock;
let port: RecordingNotifications;
let opened: Navigate[];
let notifier: DesktopNotifier;
let seq = 0;

function make(settings: Partial<DesktopSettings> = {}) {
  notifier = new DesktopNotifier({
    port,
    clock,
    logger: silentLogger,
    settings: { ...structuredClone(DEFAULT_DESKTOP_SETTINGS), ...settings },
    timeZone: 'UTC',
    onOpen: (n) => opened.push(n),
  });
}
const at = () => new Date(clock.now());
const inbound = (overrides = {}): LiveEvent => stamp({ kind: 'call.started', data: { call: callSummary({ ...overrides }) } }, ++seq, at());
const booking = (callId: string | null = randomUUID()): LiveEvent =>
  stamp(
    {
      kind: 'booking.created',
      data: {
        booking: {
          id: randomUUID(),
          callId,
          patientName: 'Ada Lovelace',
          patientPhone: '+442079460958',
          service: 'Check-up',
          startsAt: '2026-11-25T09:30:00.000Z',
          endsAt: '2026-11-25T10:00:00.000Z',
          status: 'confirmed',
          notes: null,
          reviewReason: null,
          createdAt: at().toISOString(),
          updatedAt: at().toISOString(),
        },
      },
    },
    ++seq,
    at(),
  );
const attention = (callId: string | null): LiveEvent =>
  stamp(
    {
      kind: 'attention.needed',
      data: {
        callId,
        reason: 'transfer_requested',
        message: 'Wants to talk about a bill',
        patientName: null,
        callerNumber: '+442079460958',
      },
    },
    ++seq,
    at(),
  );
const connection = (status: ConnectionState['status'], reason: string | null = null): ConnectionState => ({
  status,
  reason,
  nextRetryAt: null,
  attempt: 0,
  lastSeq: 0,
  since: at().toISOString(),
});

beforeEach(() => {
  clock = createTestClock(Date.parse('2026-11-24T12:00:00.000Z'));
  port = new RecordingNotifications();
  opened = [];
  make();
});

describe('Notifier: what notifies', () => {
  it('shows a number a front-desk console received as its last three digits as it came', () => {
    notifier.handleEvent(inbound({ callerNumber: '…958' }));
    expect(port.shown[0]?.notification.body).toBe('…958 — the assistant is answering.');
  });

  it('announces an inbound call, a booking and a call that needs a human, with no full phone number', () => {
    notifier.handleEvent(inbound());
    notifier.handleEvent(booking());
    notifier.handleEvent(attention(randomUUID()));
    expect(port.shown.map((s) => [s.notification.kind, s.notification.title])).toEqual([
      ['inbound-call', 'Incoming call'],
      ['booking', 'New booking'],
      ['attention', 'A caller asked to be transferred'],
    ]);
    expect(port.shown[0]?.notification.body).toBe('+44••••••••58 — the assistant is answering.');
    expect(port.shown[1]?.notification.body).toBe('Ada Lovelace: Check-up, Wed 25 Nov, 09:30');
    expect(JSON.stringify(port.shown)).not.toContain('+442079460958');
  });

  it('stays quiet for outbound and test calls, status changes, and a call start replayed long after it happened', () => {
    notifier.handleEvent(inbound({ direction: 'outbound' }));
    notifier.handleEvent(inbound({ isTest: true }));
    const old = inbound();
    clock.jump(61_000);
    notifier.handleEvent(old);
    notifier.handleEvent(
      stamp({ kind: 'call.status', data: { callId: randomUUID(), status: 'in-progress', call: callSummary() } }, ++seq, at()),
    );
    expect(port.shown).toEqual([]);
  });

  it('honours the per-kind switches and the pause', () => {
    make({ notifications: { inboundCall: false, booking: true, attention: true, paused: false } });
    notifier.handleEvent(inbound());
    notifier.handleEvent(booking());
    expect(port.shown.map((s) => s.notification.kind)).toEqual(['booking']);
    notifier.applySettings({ ...DEFAULT_DESKTOP_SETTINGS, notifications: { ...DEFAULT_DESKTOP_SETTINGS.notifications, paused: true } });
    notifier.handleEvent(attention(null));
    expect(port.shown).toHaveLength(1);
    expect(port.lastTray?.notificationsPaused).toBe(true);
  });

  it('keeps quiet hours, including a range that crosses midnight', () => {
    make({ quietHours: { enabled: true, start: '20:00', end: '07:00' } });
    clock.jump(Date.parse('2026-11-24T22:15:00.000Z') - clock.now());
    expect(notifier.inQuietHours()).toBe(true);
    notifier.handleEvent(booking());
    clock.jump(Date.parse('2026-11-25T06:59:00.000Z') - clock.now());
    expect(notifier.inQuietHours()).toBe(true);
    clock.jump(Date.parse('2026-11-25T07:00:00.000Z') - clock.now());
    expect(notifier.inQuietHours()).toBe(false);
    notifier.handleEvent(booking());
    expect(port.shown).toHaveLength(1);
  });
});

describe('Notifier: no storms', () => {
  it('shows three one by one and collapses the rest of a burst into one summary', async () => {
    for (let i = 0; i < 3; i++) notifier.handleEvent(inbound());
    notifier.handleEvent(booking());
    notifier.handleEvent(booking());
    notifier.handleEvent(attention(randomUUID()));
    expect(port.shown).toHaveLength(3);
    await clock.tick(STORM_WINDOW_MS);
    expect(port.shown).toHaveLength(4);
    expect(port.shown[3]?.notification).toMatchObject({
      kind: 'summary',
      title: '3 updates from Voxanne',
      body: '1 needs you, 2 new bookings',
      navigate: { page: 'dashboard' },
    });
  });

  it('shows a single held notification as itself, not as a summary', async () => {
    for (let i = 0; i < 4; i++) notifier.handleEvent(inbound());
    await clock.tick(STORM_WINDOW_MS);
    expect(port.shown.map((s) => s.notification.kind)).toEqual(['inbound-call', 'inbound-call', 'inbound-call', 'inbound-call']);
  });

  it('lets notifications through one by one again once the burst is over', async () => {
    for (let i = 0; i < 3; i++) notifier.handleEvent(inbound());
    await clock.tick(STORM_WINDOW_MS);
    notifier.handleEvent(booking());
    expect(port.shown).toHaveLength(4);
  });
});

describe('Notifier: clicks and the tray', () => {
  it('opens the call when a notification is clicked', () => {
    const event = inbound();
    notifier.handleEvent(event);
    port.shown[0]?.click();
    expect(opened).toEqual([{ page: 'call', callId: event.kind === 'call.started' ? event.data.call.id : '' }]);
  });

  it('offers Listen and Take call on a call that needs a person: a button opens the call with it started', () => {
    const callId = randomUUID();
    notifier.handleEvent(attention(callId));
    notifier.handleEvent(attention(null));
    const [withCall, without] = port.shown;
    expect(withCall?.notification.actions).toEqual([
      { action: 'listen', label: 'Listen' },
      { action: 'take', label: 'Take call' },
    ]);
    expect(without?.notification.actions).toBeUndefined();
    withCall?.click('take');
    withCall?.click('listen');
    withCall?.click();
    // A button the notification did not offer opens it plainly.
    without?.click('take');
    expect(opened).toEqual([
      { page: 'call', callId, action: 'take' },
      { page: 'call', callId, action: 'listen' },
      { page: 'call', callId },
      { page: 'dashboard' },
    ]);
  });

  it('lists the calls that need a person in the tray, newest first, naming no one while locked', () => {
    const first = randomUUID();
    const second = randomUUID();
    notifier.handleEvent(attention(first));
    notifier.handleEvent(attention(null));
    notifier.handleEvent(attention(second));
    expect(port.lastTray?.attentionCalls).toEqual([
      { callId: second, label: '+44••••••••58 needs a person' },
      { callId: first, label: '+44••••••••58 needs a person' },
    ]);
    notifier.setLocked(true);
    expect(port.lastTray?.attentionCalls.map((c) => c.label)).toEqual(['A caller needs a person', 'A caller needs a person']);
    notifier.setLocked(false);
    notifier.handleEvent(
      stamp({ kind: 'call.ended', data: { call: callSummary({ id: second, status: 'ended', needsAttention: false }) } }, ++seq, at()),
    );
    expect(port.lastTray?.attentionCalls.map((c) => c.callId)).toEqual([first]);
  });

  it('shows the connection state and how many calls need a human', () => {
    notifier.setConnection(connection('live'));
    expect(port.lastTray).toMatchObject({ connection: 'live', attentionCount: 0, statusText: 'Live' });
    const callId = randomUUID();
    notifier.handleEvent(attention(callId));
    notifier.handleEvent(attention(callId));
    notifier.handleEvent(attention(randomUUID()));
    expect(port.lastTray).toMatchObject({ attentionCount: 2, statusText: 'Live · 2 calls need you' });
    notifier.handleEvent(
      stamp({ kind: 'call.ended', data: { call: callSummary({ id: callId, status: 'ended', needsAttention: false }) } }, ++seq, at()),
    );
    expect(port.lastTray?.attentionCount).toBe(1);
    notifier.setConnection(connection('reconnecting', "Can't reach the Voxanne server."));
    expect(port.lastTray).toMatchObject({
      connection: 'reconnecting',
      statusText: "Reconnecting: Can't reach the Voxanne server. · 1 call needs you",
    });
    notifier.setConnection(connection('connecting'));
    expect(port.lastTray?.connection).toBe('reconnecting');
    notifier.setConnection(connection('offline', 'offline'));
    expect(port.lastTray?.connection).toBe('offline');
    notifier.reset();
    expect(port.lastTray?.attentionCount).toBe(0);
  });

  it('counts a call as handled once its notification was opened', () => {
    const callId = randomUUID();
    notifier.handleEvent(attention(callId));
    port.shown[0]?.click();
    expect(port.lastTray?.attentionCount).toBe(0);
  });
});

describe('Notifier: the shared work queue', () => {
  const workItem = (kind: WorkItem['kind'], change: 'created' | 'claimed' | 'done', total: number): LiveEvent => {
    const now = at().toISOString();
    const item: WorkItem = {
      id: randomUUID(),
      kind,
      priority: 'normal',
      status: change === 'created' ? 'open' : change === 'claimed' ? 'claimed' : 'done',
      title: 'Call back requested',
      detail: 'About my test results',
      callerNumber: '+442079460958',
      patientId: null,
      patientName: null,
      callId: null,
      bookingId: null,
      callCount: 1,
      dueAt: now,
      claimedBy: change === 'claimed' ? { id: randomUUID(), name: 'Bob Desk' } : null,
      claimedAt: change === 'claimed' ? now : null,
      outcome: change === 'done' ? 'no_answer' : null,
      note: null,
      doneBy: change === 'done' ? { id: randomUUID(), name: 'Bob Desk' } : null,
      doneAt: change === 'done' ? now : null,
      createdAt: now,
      updatedAt: now,
    };
    const byKind = { missed_call: 0, callback_requested: 0, needs_person: 0, booking_review: 0, [kind]: total };
    return stamp({ kind: 'work_item.changed', data: { item, change, counts: { total, byKind } } }, ++seq, at());
  };

  it('puts the open count on the tray badge and tooltip, from the first listing and then every change', () => {
    notifier.setConnection(connection('live'));
    notifier.handleEvent(attention(randomUUID()));
    expect(port.lastTray).toMatchObject({ attentionCount: 1 });
    notifier.setWorkQueueCount(3);
    expect(port.lastTray).toMatchObject({ attentionCount: 3, statusText: 'Live · 3 open in the work queue' });
    notifier.handleEvent(workItem('callback_requested', 'created', 4));
    expect(port.lastTray?.attentionCount).toBe(4);
    notifier.handleEvent(workItem('callback_requested', 'done', 0));
    expect(port.lastTray).toMatchObject({ attentionCount: 0, statusText: 'Live' });
    notifier.reset();
    expect(notifier.workQueueCount).toBeNull();
  });

  it('announces a new item once, with no full number, and says nothing about whom while locked', () => {
    notifier.handleEvent(workItem('callback_requested', 'created', 1));
    notifier.handleEvent(workItem('callback_requested', 'claimed', 1));
    // Announced by its attention.needed already.
    notifier.handleEvent(workItem('needs_person', 'created', 2));
    expect(port.shown.map((s) => [s.notification.title, s.notification.body])).toEqual([
      ['Callback requested', '+44••••••••58: Call back requested'],
    ]);
    notifier.setLocked(true);
    notifier.handleEvent(workItem('missed_call', 'created', 3));
    expect(port.shown[1]?.notification).toMatchObject({
      title: 'New in the work queue',
      body: 'Something new is waiting for the front desk.',
    });
    expect(JSON.stringify(port.shown)).not.toContain('+442079460958');
  });
});
