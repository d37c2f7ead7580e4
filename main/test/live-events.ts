// Live events as the backend would send them, for tests and the bench.
import { randomUUID } from 'node:crypto';
import type { CallSummary, LiveEvent, NewLiveEvent } from '@voxanne/protocol';

export const CLINIC_ID = '0b6a2f0e-8a0e-4c43-9d3f-0f5f7b8f2b11';

export function callSummary(overrides: Partial<CallSummary> = {}): CallSummary {
  return {
    id: randomUUID(),
    direction: 'inbound',
    status: 'ringing',
    callerNumber: '+442079460958',
    patientName: null,
    startedAt: new Date().toISOString(),
    endedAt: null,
    durationSeconds: null,
    endedReason: null,
    outcome: null,
    summary: null,
    isTest: false,
    needsAttention: false,
    transfer: null,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

export function transcript(
  callId: string,
  speaker: 'assistant' | 'caller',
  transcriptType: 'partial' | 'final',
  text: string,
): NewLiveEvent {
  return {
    kind: 'call.transcript',
    data: { callId, speaker, transcriptType, text, segmentId: transcriptType === 'final' ? randomUUID() : null },
  };
}

/** Gives a new event its id, seq and time, as the backend's event log does. */
export function stamp(event: NewLiveEvent, seq: number, at = new Date()): LiveEvent {
  return { id: randomUUID(), clinicId: CLINIC_ID, seq, at: at.toISOString(), ...event } as LiveEvent;
}
