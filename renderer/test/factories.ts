// Protocol-valid test data: calls, bookings, stats, agent, events. Every factory output parses with
// the protocol schema it claims to be (the fake bridge checks), so tests exercise real shapes.
import {
  DEFAULT_DESKTOP_SETTINGS,
  DEFAULT_WARM_TRANSFER,
  type AgentResponse,
  type AppInfo,
  type AuditEntry,
  type Booking,
  type CallDetail,
  type CallSummary,
  type DashboardStats,
  type FrontDeskUser,
  type KnowledgeDocument,
  type LiveEvent,
  type LiveEventKind,
  type LiveEventOf,
  type PhoneNumber,
  type StaffMember,
  type WebTestDiagnostics,
  type WorkItem,
} from '@voxanne/protocol';

export const CLINIC_ID = '6f1c5a52-8d55-4c36-9a53-2c1a4f3b9e10';
export const TODAY = '2026-03-02';
export const TIME_ZONE = 'Europe/London';

let counter = 0;
/** A fresh, valid UUID v4 that reads in test output (`…-000000000001`). */
export function id(): string {
  counter += 1;
  return `00000000-0000-4000-8000-${counter.toString().padStart(12, '0')}`;
}

export function at(time: string, date = TODAY): string {
  return `${date}T${time}:00.000Z`;
}

export const frontDeskUser: FrontDeskUser = {
  id: '2b0d7f9e-3a41-4b6e-9c1d-5e8f7a6b4c32',
  email: 'desk@brightsmile.example',
  name: 'Dana Reyes',
  role: 'front_desk',
  clinicId: CLINIC_ID,
  clinicName: 'Bright Smile Dental',
};

/** A clinic administrator: may change the assistant and the knowledge base. */
export const adminUser: FrontDeskUser = {
  id: '6c1e2a3b-4d5f-4e6a-8b7c-9d0e1f2a3b4c',
  email: 'owner@brightsmile.example',
  name: 'Sam Okafor',
  role: 'admin',
  clinicId: CLINIC_ID,
  clinicName: 'Bright Smile Dental',
};

export function makeCall(overrides: Partial<CallSummary> = {}): CallSummary {
  const ended = (overrides.status ?? 'ended') === 'ended';
  return {
    id: id(),
    direction: 'inbound',
    status: 'ended',
    callerNumber: '+442079460958',
    patientName: null,
    startedAt: at('09:00'),
    endedAt: ended ? at('09:03') : null,
    durationSeconds: ended ? 180 : null,
    endedReason: ended ? 'customer-ended-call' : null,
    outcome: ended ? 'answered' : null,
    summary: ended ? 'Asked about opening hours.' : null,
    isTest: false,
    needsAttention: false,
    transfer: null,
    createdAt: overrides.startedAt ?? at('09:00'),
    ...overrides,
  };
}

export function makeLiveCall(overrides: Partial<CallSummary> = {}): CallSummary {
  return makeCall({
    status: 'in-progress',
    endedAt: null,
    durationSeconds: null,
    endedReason: null,
    outcome: null,
    summary: null,
    ...overrides,
  });
}

export function makeCallDetail(call: CallSummary, overrides: Partial<CallDetail> = {}): CallDetail {
  return {
    ...call,
    timeline: [
      { status: 'ringing', at: call.startedAt ?? call.createdAt },
      { status: 'in-progress', at: call.startedAt ?? call.createdAt },
      ...(call.endedAt ? [{ status: 'ended' as const, at: call.endedAt }] : []),
    ],
    transcript: [],
    recordingUrl: null,
    costUsd: null,
    analysis: null,
    bookings: [],
    ...overrides,
  };
}

export function makeBooking(overrides: Partial<Booking> = {}): Booking {
  return {
    id: id(),
    callId: null,
    patientName: 'Jamie Fox',
    patientPhone: '+447700900123',
    service: 'Check-up',
    startsAt: at('14:00'),
    endsAt: at('14:30'),
    status: 'confirmed',
    notes: null,
    reviewReason: null,
    createdAt: at('08:00'),
    updatedAt: at('08:00'),
    ...overrides,
  };
}

export function makeStats(overrides: Partial<DashboardStats> = {}): DashboardStats {
  return {
    date: TODAY,
    timeZone: TIME_ZONE,
    callsToday: 12,
    answered: 10,
    missed: 2,
    inProgress: 0,
    bookingsToday: 4,
    averageDurationSeconds: 154,
    bookingRate: 0.4,
    ...overrides,
  };
}

const weekdayHours = [{ open: '08:30', close: '17:30' }];
export function makeAgent(overrides: Partial<AgentResponse> = {}): AgentResponse {
  return {
    personality: {
      name: 'Ava',
      greeting: 'Thank you for calling Bright Smile Dental, this is Ava. How can I help?',
      systemPrompt: 'You are the friendly receptionist of Bright Smile Dental.',
      voice: { provider: 'vapi', voiceId: 'Kylie' },
      timeZone: TIME_ZONE,
      hours: {
        monday: weekdayHours,
        tuesday: weekdayHours,
        wednesday: weekdayHours,
        thursday: weekdayHours,
        friday: [{ open: '08:30', close: '16:00' }],
        saturday: [],
        sunday: [],
      },
      transferNumber: '+442079460000',
      appointmentMinutes: 30,
      allowedCountries: [],
      warmTransfer: DEFAULT_WARM_TRANSFER,
    },
    sync: { status: 'synced', message: null, syncedAt: at('07:00') },
    providerAssistantId: 'asst_123',
    updatedAt: at('07:00'),
    ...overrides,
  };
}

export function makePhoneNumber(overrides: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    id: id(),
    number: '+442071234567',
    provider: 'twilio',
    status: 'active',
    assistantAttached: true,
    statusMessage: null,
    connectedAt: at('07:30', '2026-02-20'),
    ...overrides,
  };
}

export function makeDocument(overrides: Partial<KnowledgeDocument> = {}): KnowledgeDocument {
  return {
    id: id(),
    filename: 'price-list.pdf',
    mimeType: 'application/pdf',
    sizeBytes: 48_213,
    status: 'ready',
    statusMessage: null,
    createdAt: at('10:00', '2026-02-25'),
    ...overrides,
  };
}

export const appInfo: AppInfo = {
  version: '0.1.0',
  host: 'browser',
  platform: 'linux',
  backendUrl: 'http://127.0.0.1:8787',
  tokenStorage: { persistent: true, warning: null },
  startAtLoginSupported: false,
};

export const webTestDiagnostics: WebTestDiagnostics = {
  ready: true,
  reason: null,
  audioFormat: { encoding: 'pcm_s16le', container: 'raw', sampleRate: 16_000, channels: 1, frameMs: 20, frameBytes: 640 },
  activeSessions: 0,
  sessions: [],
  maxSessionSeconds: 600,
  mode: 'sandbox',
};

export const defaultSettings = structuredClone(DEFAULT_DESKTOP_SETTINGS);

let seq = 0;
/** A live event as the main process would deliver it (id, clinic, increasing seq, time). */
export function event<K extends LiveEventKind>(kind: K, data: LiveEventOf<K>['data'], when = new Date().toISOString()): LiveEvent {
  seq += 1;
  return { id: id(), clinicId: CLINIC_ID, seq, at: when, kind, data } as LiveEvent;
}

export function makeWorkItem(overrides: Partial<WorkItem> = {}): WorkItem {
  const now = new Date().toISOString();
  return {
    id: id(),
    kind: 'missed_call',
    priority: 'normal',
    status: 'open',
    title: 'Missed call',
    detail: null,
    callerNumber: '+442079460958',
    patientId: null,
    patientName: null,
    callId: null,
    bookingId: null,
    callCount: 1,
    dueAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    claimedBy: null,
    claimedAt: null,
    outcome: null,
    note: null,
    doneBy: null,
    doneAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** A member of the clinic's staff as the Staff page lists them (defaults: the admin user). */
export function makeStaffMember(overrides: Partial<StaffMember> = {}): StaffMember {
  return {
    id: adminUser.id,
    email: adminUser.email,
    name: adminUser.name,
    role: 'admin',
    disabled: false,
    authProvider: 'local',
    ...overrides,
  };
}

let auditSeq = 0;
/** One activity-log entry, by the admin user unless told otherwise. */
export function makeAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  auditSeq += 1;
  return {
    id: id(),
    seq: auditSeq,
    at: at('09:00'),
    actor: { staffId: adminUser.id, name: adminUser.name, role: 'admin' },
    instanceId: null,
    address: '127.0.0.1',
    action: 'call.viewed',
    objectType: 'call',
    objectId: id(),
    details: null,
    ...overrides,
  };
}
