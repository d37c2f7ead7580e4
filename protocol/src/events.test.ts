import { describe, expect, it } from 'vitest';
import { LIVE_EVENT_KINDS, LiveEventSchema } from './events.js';
import { ipcInvokeChannels, ipcPushChannels, splitChannel } from './ipc.js';

describe('live event contract', () => {
  it('lists every kind the live stream promises', () => {
    expect(LIVE_EVENT_KINDS).toEqual(
      expect.arrayContaining([
        'call.started',
        'call.status',
        'call.transcript',
        'call.ended',
        'booking.created',
        'booking.updated',
        'agent.updated',
        'attention.needed',
        'stats.changed',
        'calls.deleted',
      ]),
    );
  });

  it('refuses an event whose data does not match its kind', () => {
    const base = {
      id: '6f1c7a52-3a4e-4e0a-9a43-1c3a7d0a4c11',
      clinicId: '0b6a2f0e-8a0e-4c43-9d3f-0f5f7b8f2b11',
      seq: 1,
      at: '2026-11-24T10:00:00.000Z',
    };
    const transcript = {
      ...base,
      kind: 'call.transcript',
      data: {
        callId: '6f1c7a52-3a4e-4e0a-9a43-1c3a7d0a4c12',
        speaker: 'caller',
        transcriptType: 'partial',
        text: 'hello',
        segmentId: null,
      },
    };
    expect(LiveEventSchema.safeParse(transcript).success).toBe(true);
    expect(LiveEventSchema.safeParse({ ...transcript, kind: 'booking.created' }).success).toBe(false);
    expect(LiveEventSchema.safeParse({ ...transcript, seq: 0 }).success).toBe(false);
  });
});

describe('events an older backend logged', () => {
  const base = { clinicId: '0b6a2f0e-8a0e-4c43-9d3f-0f5f7b8f2b11', seq: 7, at: '2026-11-24T10:00:00.000Z' };

  it('still parse after calls gained a transfer and bookings a review reason (read as none)', () => {
    const call = {
      id: '6f1c7a52-3a4e-4e0a-9a43-1c3a7d0a4c12',
      direction: 'inbound',
      status: 'in-progress',
      callerNumber: '+442079460958',
      patientName: null,
      startedAt: '2026-11-24T10:00:00.000Z',
      endedAt: null,
      durationSeconds: null,
      endedReason: null,
      outcome: null,
      summary: null,
      isTest: false,
      needsAttention: false,
      createdAt: '2026-11-24T10:00:00.000Z',
    };
    const started = LiveEventSchema.parse({ ...base, id: '6f1c7a52-3a4e-4e0a-9a43-1c3a7d0a4c13', kind: 'call.started', data: { call } });
    expect(started.kind === 'call.started' && started.data.call.transfer).toBeNull();
    const booking = {
      id: '6f1c7a52-3a4e-4e0a-9a43-1c3a7d0a4c14',
      callId: call.id,
      patientName: 'Ada Lovelace',
      patientPhone: null,
      service: null,
      startsAt: '2026-11-25T10:00:00.000Z',
      endsAt: '2026-11-25T10:30:00.000Z',
      status: 'pending',
      notes: null,
      createdAt: '2026-11-24T10:00:00.000Z',
      updatedAt: '2026-11-24T10:00:00.000Z',
    };
    const created = LiveEventSchema.parse({
      ...base,
      id: '6f1c7a52-3a4e-4e0a-9a43-1c3a7d0a4c15',
      kind: 'booking.created',
      data: { booking },
    });
    expect(created.kind === 'booking.created' && created.data.booking.reviewReason).toBeNull();
  });
});

describe('IPC channel tables', () => {
  it('names every channel namespace.method so the preload can expose named methods', () => {
    for (const channel of [...Object.keys(ipcInvokeChannels), ...Object.keys(ipcPushChannels)]) {
      const [ns, method] = splitChannel(channel);
      expect(ns, channel).toMatch(/^[a-z][A-Za-z]+$/);
      expect(method, channel).toMatch(/^[a-z][A-Za-z]+$/);
    }
  });

  it('uses on* names for push channels only', () => {
    for (const channel of Object.keys(ipcPushChannels)) expect(splitChannel(channel)[1]).toMatch(/^on[A-Z]/);
    for (const channel of Object.keys(ipcInvokeChannels)) expect(splitChannel(channel)[1]).not.toMatch(/^on[A-Z]/);
  });
});
