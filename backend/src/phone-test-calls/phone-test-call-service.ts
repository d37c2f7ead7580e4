// "Call my phone": the clinic's assistant calls a number (already normalised to E.164 by the route's
// schema) from the clinic's own number, or the platform's test line when the clinic has none. Only
// ordinary mobile and landline numbers in the clinic's countries are rung (clinics/reachable-numbers.ts):
// a test call to a premium-rate line would bill the clinic per minute.
import { maskPhoneNumber, type PhoneTestCallResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { LiveEventBus } from '../live/event-bus.js';
import type { Logger } from '../logging/logger.js';
import { transactionWithEvents } from '../live/event-log.js';
import { AppError } from '../errors.js';
import { getAgent, updateAgent, type AgentServiceDeps } from '../agent/agent-service.js';
import { allowedCountries, reachableNumberProblem } from '../clinics/reachable-numbers.js';
import { lockOrCreateCall, saveCall, type StatsProvider } from '../telephony/call-ingestion.js';
import type { VapiClient } from '../telephony/vapi-client.js';

export interface TestCallDeps {
  db: Db;
  bus: LiveEventBus;
  logger: Logger;
  vapi: VapiClient;
  agents: AgentServiceDeps;
  stats?: StatsProvider;
  /** The platform number test calls come from when the clinic has none of its own. */
  defaultPhoneNumberId: () => string | undefined;
  /** CLINIC_DEFAULT_COUNTRY: the country a clinic without numbers or settings may ring. */
  defaultCountry: string;
}

export async function startPhoneTestCall(deps: TestCallDeps, clinicId: string, number: string): Promise<PhoneTestCallResponse> {
  let agent = await getAgent(deps.db, clinicId);
  const problem = reachableNumberProblem(number, await allowedCountries(deps.db, clinicId, agent.personality, deps.defaultCountry));
  if (problem) throw new AppError('invalid_phone_number', problem, [{ path: 'phoneNumber', message: problem }]);
  if (!agent.providerAssistantId) {
    // First test call of a clinic whose assistant was never synced: sync it now (stored and reported as usual).
    agent = await updateAgent(deps.agents, clinicId, agent.personality);
  }
  const assistantId = agent.providerAssistantId;
  if (!assistantId) {
    throw new AppError(
      'provider_error',
      `The assistant is not set up on the voice platform yet${agent.sync.message ? `: ${agent.sync.message}` : '.'}`,
    );
  }
  const own = await deps.db
    .selectFrom('phone_numbers')
    .select('provider_number_id')
    .where('clinic_id', '=', clinicId)
    .where('status', '=', 'active')
    .where('provider_number_id', 'is not', null)
    .orderBy('connected_at')
    .executeTakeFirst();
  const phoneNumberId = own?.provider_number_id ?? deps.defaultPhoneNumberId();
  if (!phoneNumberId) {
    throw new AppError('not_configured', 'Connect the clinic’s phone number first: test calls are made from it.');
  }

  const created = await deps.vapi.createCall({ assistantId, phoneNumberId, customer: { number }, name: 'Voxanne test call' });
  const row = await transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    const ingestion = { db: deps.db, bus: deps.bus, ...(deps.stats ? { stats: deps.stats } : {}) };
    const call = { id: created.id, type: 'outboundPhoneCall' as const, customer: { number }, assistantId, phoneNumberId };
    const locked = await lockOrCreateCall(tx, events, ingestion, clinicId, call, 'queued', { isTest: true });
    // A status webhook can beat us to it; the call is still a test call.
    return locked.row.is_test ? locked.row : saveCall(tx, events, ingestion, locked.row, { is_test: true });
  });
  deps.logger.info({ clinicId, callId: row.id, to: maskPhoneNumber(number) }, 'phone test call started');
  return { callId: row.id };
}
