import { beforeEach, describe, expect, it } from 'vitest';
import { AgentResponseSchema, DEFAULT_WARM_TRANSFER, type AgentPersonality, type LiveEvent } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { createClinic } from '../clinics/clinic-queries.js';
import { InProcessEventBus } from '../live/event-bus.js';
import { AppError } from '../errors.js';
import { getAgent, updateAgent } from './agent-service.js';
import { voicePlatformNotConnected, type AssistantSync, type AssistantSyncResult } from './assistant-sync.js';

describe.each(databaseKinds())('agent personality on %s', (kind) => {
  const database = useTestDatabase(kind);
  let bus: InProcessEventBus;
  let published: LiveEvent[];
  let clinicId: string;

  beforeEach(async () => {
    bus = new InProcessEventBus();
    published = [];
    bus.subscribe((events) => published.push(...events));
    clinicId = (await createClinic(database.db, { name: 'Maple Dental', timeZone: 'Europe/Dublin' })).id;
  });

  const deps = (assistantSync: AssistantSync) => ({ db: database.db, bus, assistantSync });
  const edited = async (changes: Partial<AgentPersonality> = {}): Promise<AgentPersonality> => ({
    ...(await getAgent(database.db, clinicId)).personality,
    name: 'Nora',
    greeting: 'Hi, Maple Dental, Nora speaking.',
    ...changes,
  });
  const recording = (answer: (providerAssistantId: string | null) => Promise<AssistantSyncResult>) => {
    const seen: Array<{ clinicId: string; name: string; providerAssistantId: string | null }> = [];
    const sync: AssistantSync = {
      sync: (id, personality, providerAssistantId) => {
        seen.push({ clinicId: id, name: personality.name, providerAssistantId });
        return answer(providerAssistantId);
      },
    };
    return { sync, seen };
  };

  it('reads a personality saved before transfers and countries were settings, with their defaults', async () => {
    const { personality } = await getAgent(database.db, clinicId);
    const { allowedCountries: _countries, warmTransfer: _warm, ...older } = personality;
    await database.db
      .updateTable('agents')
      .set({ personality: JSON.stringify(older) })
      .where('clinic_id', '=', clinicId)
      .execute();
    const read = await getAgent(database.db, clinicId);
    expect(read.personality).toEqual({ ...older, allowedCountries: [], warmTransfer: DEFAULT_WARM_TRANSFER });
  });

  it('starts a clinic with a warm default receptionist in its own time zone', async () => {
    const agent = await getAgent(database.db, clinicId);
    expect(AgentResponseSchema.parse(agent)).toEqual(agent);
    expect(agent.personality).toMatchObject({
      timeZone: 'Europe/Dublin',
      appointmentMinutes: 30,
      transferNumber: null,
      hours: {
        monday: [{ open: '08:30', close: '18:00' }],
        friday: [{ open: '08:30', close: '18:00' }],
        saturday: [],
        sunday: [],
      },
    });
    expect(agent.personality.greeting).toContain('Maple Dental');
    expect(agent.personality.systemPrompt).toContain('Maple Dental');
    expect(agent.sync).toEqual({ status: 'pending', message: null, syncedAt: null });
    // Created once: reading again returns the same stored agent.
    expect(await getAgent(database.db, clinicId)).toEqual(agent);
  });

  it('reports "Voice platform not connected" as a failed sync, in the response and the event', async () => {
    const saved = await updateAgent(deps(voicePlatformNotConnected), clinicId, await edited());
    expect(saved.personality.name).toBe('Nora');
    expect(saved.sync).toEqual({ status: 'failed', message: 'Voice platform not connected', syncedAt: null });
    expect(published.map((e) => [e.kind, e.data])).toEqual([
      ['agent.updated', { name: 'Nora', sync: { status: 'pending', message: null, syncedAt: null } }],
      ['agent.updated', { name: 'Nora', sync: { status: 'failed', message: 'Voice platform not connected', syncedAt: null } }],
    ]);
    expect(await getAgent(database.db, clinicId)).toEqual(saved);
  });

  it('stores a successful sync and hands the platform its assistant id next time', async () => {
    const { sync, seen } = recording(async (id) => ({ status: 'synced', message: null, providerAssistantId: id ?? 'asst_123' }));
    const first = await updateAgent(deps(sync), clinicId, await edited());
    expect(first.sync.status).toBe('synced');
    expect(first.sync.syncedAt).not.toBeNull();
    expect(first.providerAssistantId).toBe('asst_123');
    await updateAgent(deps(sync), clinicId, await edited({ name: 'Nora B' }));
    expect(seen).toEqual([
      { clinicId, name: 'Nora', providerAssistantId: null },
      { clinicId, name: 'Nora B', providerAssistantId: 'asst_123' },
    ]);
  });

  it('turns a sync that throws into a failed sync instead of leaving it pending', async () => {
    const { sync } = recording(() => Promise.reject(new Error('socket hang up')));
    const saved = await updateAgent(deps(sync), clinicId, await edited());
    expect(saved.sync).toMatchObject({ status: 'failed', message: 'The voice platform could not be reached. Try saving again.' });
  });

  it('moves the clinic’s time zone with the personality', async () => {
    await updateAgent(deps(voicePlatformNotConnected), clinicId, await edited({ timeZone: 'America/Chicago' }));
    const clinic = await database.db.selectFrom('clinics').select('time_zone').where('id', '=', clinicId).executeTakeFirstOrThrow();
    expect(clinic.time_zone).toBe('America/Chicago');
  });

  it('refuses an invalid personality and changes nothing', async () => {
    const before = await getAgent(database.db, clinicId);
    for (const bad of [
      { ...before.personality, transferNumber: '0800 123' },
      { ...before.personality, timeZone: 'Mars/Olympus' },
      { ...before.personality, hours: { ...before.personality.hours, monday: [{ open: '18:00', close: '09:00' }] } },
      { ...before.personality, unknownField: true },
    ]) {
      const error = await updateAgent(deps(voicePlatformNotConnected), clinicId, bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(['validation_failed', 'invalid_phone_number']).toContain((error as AppError).code);
    }
    expect(await getAgent(database.db, clinicId)).toEqual(before);
    expect(published).toEqual([]);
  });

  it('keeps the newest save’s sync when an older sync answers late', async () => {
    let releaseFirst!: () => void;
    let firstStarted!: () => void;
    const firstAnswered = new Promise<void>((resolve) => (releaseFirst = resolve));
    const firstReachedSync = new Promise<void>((resolve) => (firstStarted = resolve));
    let calls = 0;
    const sync: AssistantSync = {
      async sync(_clinicId, personality) {
        calls += 1;
        if (calls === 1) {
          firstStarted();
          await firstAnswered;
        }
        return { status: 'synced', message: null, providerAssistantId: `asst_${personality.name}` };
      },
    };
    const older = updateAgent(deps(sync), clinicId, await edited({ name: 'Older' }));
    // The older save has committed and is waiting on its (slow) sync when the newer one starts.
    await firstReachedSync;
    const newer = await updateAgent(deps(sync), clinicId, await edited({ name: 'Newer' }));
    releaseFirst();
    const olderResult = await older;
    expect(newer.personality.name).toBe('Newer');
    expect(olderResult.personality.name).toBe('Newer');
    const stored = await getAgent(database.db, clinicId);
    expect(stored).toMatchObject({ personality: { name: 'Newer' }, providerAssistantId: 'asst_Newer', sync: { status: 'synced' } });
  });
});
