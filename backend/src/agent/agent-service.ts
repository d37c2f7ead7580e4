// The clinic's assistant personality: what it is called, how it greets, its prompt, voice and
// the clinic's hours. Saving stores it and tells every console at once; the voice platform is then
// synced through the injected AssistantSync and its answer (including a failure) is stored, emitted
// and returned, never hidden.
import {
  AgentPersonalitySchema,
  DEFAULT_WARM_TRANSFER,
  type AgentPersonality,
  type AgentResponse,
  type AgentSync,
  type ClinicHours,
} from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import { AppError } from '../errors.js';
import type { AssistantSync, AssistantSyncResult } from './assistant-sync.js';
import { reachableNumberProblem } from '../clinics/reachable-numbers.js';

export interface AgentServiceDeps {
  db: Db;
  bus: LiveEventBus;
  assistantSync: AssistantSync;
}

type AgentRow = {
  personality: unknown;
  provider_assistant_id: string | null;
  sync_status: AgentSync['status'];
  sync_message: string | null;
  synced_at: Date | null;
  updated_at: Date;
};

const WEEKDAY_HOURS = [{ open: '08:30', close: '18:00' }];

/** What a clinic starts with: a warm receptionist, open Mon–Fri 08:30–18:00, 30-minute appointments. */
export function defaultPersonality(clinic: { name: string; timeZone: string }): AgentPersonality {
  const hours: ClinicHours = {
    monday: WEEKDAY_HOURS,
    tuesday: WEEKDAY_HOURS,
    wednesday: WEEKDAY_HOURS,
    thursday: WEEKDAY_HOURS,
    friday: WEEKDAY_HOURS,
    saturday: [],
    sunday: [],
  };
  return {
    name: 'Ava',
    greeting: `Hello, thank you for calling ${clinic.name}. This is Ava, the clinic's assistant. How can I help you today?`,
    systemPrompt: [
      `You are Ava, the friendly receptionist of ${clinic.name}, answering the clinic's phone.`,
      'Be warm, calm and brief: callers may be unwell or worried. Speak in short sentences and confirm details back.',
      'You can check free appointment times, book appointments, look up whether the caller is a known patient, and transfer the call to the front desk.',
      'Before booking, confirm the patient’s full name, their date of birth and the reason for the visit, then read the date and time back.',
      'Never give medical advice or a diagnosis. If the caller describes an emergency, such as chest pain, difficulty breathing or heavy bleeding, tell them to call the emergency number now.',
      'If the caller asks for a person, is upset, or you cannot help, transfer them to the front desk.',
      'Only answer questions about the clinic from the clinic’s information; if you do not know, say so and offer to take a message.',
    ].join('\n'),
    voice: { provider: 'vapi', voiceId: 'Kylie' },
    timeZone: clinic.timeZone,
    hours,
    transferNumber: null,
    appointmentMinutes: 30,
    allowedCountries: [],
    warmTransfer: DEFAULT_WARM_TRANSFER,
  };
}

/** The clinic's agent, created with the default personality on first read. */
export async function getAgent(db: Db, clinicId: string): Promise<AgentResponse> {
  const existing = await selectAgent(db, clinicId);
  if (existing) return toAgentResponse(existing, clinicId);
  const clinic = await db.selectFrom('clinics').select(['name', 'time_zone']).where('id', '=', clinicId).executeTakeFirst();
  if (!clinic) throw AppError.notFound('Clinic');
  await db
    .insertInto('agents')
    .values({
      clinic_id: clinicId,
      personality: JSON.stringify(defaultPersonality({ name: clinic.name, timeZone: clinic.time_zone })),
      sync_status: 'pending',
      updated_at: new Date(),
    })
    .onConflict((oc) => oc.column('clinic_id').doNothing())
    .execute();
  const created = await selectAgent(db, clinicId);
  if (!created) throw new Error(`agent of clinic ${clinicId} vanished after insert`);
  return toAgentResponse(created, clinicId);
}

/**
 * Saves a new personality and syncs it to the voice platform. Two `agent.updated` events: one when it
 * is saved (sync pending), one with the platform's answer. The clinic's time zone follows the
 * personality's, so "today" on the dashboard and the hours the assistant quotes agree.
 */
export async function updateAgent(deps: AgentServiceDeps, clinicId: string, input: unknown): Promise<AgentResponse> {
  const parsed = AgentPersonalitySchema.safeParse(input);
  if (!parsed.success) throw AppError.fromZod(parsed.error, 'personality');
  const personality = parsed.data;
  // Transfers dial this number on the clinic's bill: an ordinary mobile or landline, in the clinic's
  // countries when it has chosen them.
  const transferProblem = personality.transferNumber
    ? reachableNumberProblem(personality.transferNumber, personality.allowedCountries)
    : undefined;
  if (transferProblem) {
    throw new AppError('validation_failed', `Invalid personality: transferNumber: ${transferProblem}`, [
      { path: 'transferNumber', message: transferProblem },
    ]);
  }

  const saved = await transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    const clinic = await tx
      .updateTable('clinics')
      .set({ time_zone: personality.timeZone })
      .where('id', '=', clinicId)
      .returning('id')
      .executeTakeFirst();
    if (!clinic) throw AppError.notFound('Clinic');
    const row = await tx
      .insertInto('agents')
      .values({
        clinic_id: clinicId,
        personality: JSON.stringify(personality),
        sync_status: 'pending',
        sync_message: null,
        updated_at: new Date(),
      })
      .onConflict((oc) =>
        oc.column('clinic_id').doUpdateSet({
          personality: JSON.stringify(personality),
          sync_status: 'pending',
          sync_message: null,
          updated_at: new Date(),
        }),
      )
      .returning(['personality', 'provider_assistant_id', 'sync_status', 'sync_message', 'synced_at', 'updated_at'])
      .executeTakeFirstOrThrow();
    events.emit(clinicId, { kind: 'agent.updated', data: { name: personality.name, sync: toSync(row) } });
    return row;
  });

  const result = await syncSafely(deps.assistantSync, clinicId, personality, saved.provider_assistant_id);
  const now = new Date();
  const stored = await transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    // Only if no newer save happened meanwhile: that save's own sync reports for it.
    const row = await tx
      .updateTable('agents')
      .set({
        sync_status: result.status,
        sync_message: result.status === 'failed' ? (result.message ?? 'The voice platform did not accept the change.') : null,
        synced_at: result.status === 'failed' ? saved.synced_at : now,
        provider_assistant_id: result.providerAssistantId ?? saved.provider_assistant_id,
      })
      .where('clinic_id', '=', clinicId)
      .where('updated_at', '=', saved.updated_at)
      .returning(['personality', 'provider_assistant_id', 'sync_status', 'sync_message', 'synced_at', 'updated_at'])
      .executeTakeFirst();
    if (row) events.emit(clinicId, { kind: 'agent.updated', data: { name: personality.name, sync: toSync(row) } });
    return row;
  });
  return stored ? toAgentResponse(stored, clinicId) : getAgent(deps.db, clinicId);
}

/**
 * Pushes the saved personality to the platform again, through the same save-and-sync as an edit: a
 * clinic setting the assistant carries (HIPAA mode with redacted transcripts) changed. A clinic
 * whose agent was never read has nothing on the platform yet; its first save carries the setting.
 */
export async function resyncAssistant(deps: AgentServiceDeps, clinicId: string): Promise<AgentResponse | null> {
  const row = await selectAgent(deps.db, clinicId);
  return row ? updateAgent(deps, clinicId, row.personality) : null;
}

/** A sync that throws (a bug, a network error) is a failed sync, not a stuck "pending". */
async function syncSafely(
  sync: AssistantSync,
  clinicId: string,
  personality: AgentPersonality,
  providerAssistantId: string | null,
): Promise<AssistantSyncResult> {
  try {
    return await sync.sync(clinicId, personality, providerAssistantId);
  } catch (error) {
    const message = error instanceof AppError ? error.message : 'The voice platform could not be reached. Try saving again.';
    return { status: 'failed', message, providerAssistantId };
  }
}

function selectAgent(db: Db, clinicId: string): Promise<AgentRow | undefined> {
  return db
    .selectFrom('agents')
    .select(['personality', 'provider_assistant_id', 'sync_status', 'sync_message', 'synced_at', 'updated_at'])
    .where('clinic_id', '=', clinicId)
    .executeTakeFirst();
}

function toSync(row: AgentRow): AgentSync {
  return { status: row.sync_status, message: row.sync_message, syncedAt: row.synced_at?.toISOString() ?? null };
}

function toAgentResponse(row: AgentRow, clinicId: string): AgentResponse {
  const parsed = AgentPersonalitySchema.safeParse(row.personality);
  // Stored personalities were validated on save; failing now means the schema moved under old data.
  if (!parsed.success) throw new Error(`stored personality of clinic ${clinicId} no longer matches the schema: ${parsed.error.message}`);
  return {
    personality: parsed.data,
    sync: toSync(row),
    providerAssistantId: row.provider_assistant_id,
    updatedAt: row.updated_at.toISOString(),
  };
}
