// The clinic's inbound numbers: list them; connect a Twilio number (checks the credentials and the
// number against Twilio, imports it into Vapi with our webhook server, attaches the clinic's
// assistant); disconnect one. The Twilio auth token is handed to Vapi and never stored here.
import { maskPhoneNumber, type PhoneNumber } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { Selectable } from 'kysely';
import type { PhoneNumbersTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import { getAgent, updateAgent, type AgentServiceDeps } from '../agent/agent-service.js';
import { ProviderRequestError, type VapiClient } from '../telephony/vapi-client.js';
import type { TwilioGateway } from '../telephony/twilio-client.js';
import type { WebhookServer } from '../telephony/vapi-assistant-sync.js';

export interface PhoneNumberDeps {
  db: Db;
  logger: Logger;
  vapi: VapiClient;
  twilio: TwilioGateway;
  webhookServer: WebhookServer;
  agents: AgentServiceDeps;
}

export function toPhoneNumber(row: Selectable<PhoneNumbersTable>): PhoneNumber {
  return {
    id: row.id,
    number: row.number,
    provider: row.provider,
    status: row.status,
    assistantAttached: row.assistant_attached,
    statusMessage: row.status_message,
    connectedAt: row.connected_at.toISOString(),
  };
}

export async function listPhoneNumbers(db: Db, clinicId: string): Promise<PhoneNumber[]> {
  const rows = await db.selectFrom('phone_numbers').selectAll().where('clinic_id', '=', clinicId).orderBy('connected_at').execute();
  return rows.map(toPhoneNumber);
}

export async function connectPhoneNumber(
  deps: PhoneNumberDeps,
  clinicId: string,
  input: { phoneNumber: string; twilioAccountSid: string; twilioAuthToken: string },
): Promise<PhoneNumber> {
  // Twilio first: only someone holding the number's account may learn whether it is connected (to
  // another clinic or not). Asked the other way round, this route told anyone which numbers are our
  // customers'.
  const credentials = { accountSid: input.twilioAccountSid, authToken: input.twilioAuthToken };
  if (!(await deps.twilio.ownsIncomingNumber(credentials, input.phoneNumber))) {
    throw new AppError('validation_failed', `${input.phoneNumber} is not a number of that Twilio account.`, [
      { path: 'phoneNumber', message: 'not found in the Twilio account' },
    ]);
  }
  const taken = await deps.db.selectFrom('phone_numbers').select('clinic_id').where('number', '=', input.phoneNumber).executeTakeFirst();
  if (taken) {
    throw new AppError(
      'conflict',
      taken.clinic_id === clinicId ? 'This number is already connected.' : 'This number is connected to another clinic.',
    );
  }

  // The assistant answers the number; without one (sync failing), the number still works through
  // assistant-request, answered by this service from the saved personality.
  let agent = await getAgent(deps.db, clinicId);
  if (!agent.providerAssistantId) agent = await updateAgent(deps.agents, clinicId, agent.personality);
  const assistantId = agent.providerAssistantId ?? undefined;

  const imported = await deps.vapi.importTwilioNumber({
    provider: 'twilio',
    number: input.phoneNumber,
    twilioAccountSid: input.twilioAccountSid,
    twilioAuthToken: input.twilioAuthToken,
    name: 'Voxanne clinic line',
    server: await deps.webhookServer.settings(),
    ...(assistantId ? { assistantId } : {}),
  });
  try {
    const row = await deps.db
      .insertInto('phone_numbers')
      .values({
        clinic_id: clinicId,
        number: input.phoneNumber,
        provider_number_id: imported.id,
        twilio_account_sid: input.twilioAccountSid,
        status: 'active',
        assistant_attached: assistantId !== undefined,
        status_message: assistantId ? null : 'The assistant is not synced yet; calls are answered from the saved personality.',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    deps.logger.info({ clinicId, number: maskPhoneNumber(input.phoneNumber) }, 'phone number connected');
    return toPhoneNumber(row);
  } catch (error) {
    // Stored nowhere: don't leave the number imported on the platform either.
    await deps.vapi.deletePhoneNumber(imported.id).catch(() => undefined);
    if ((error as { code?: string }).code === '23505') throw new AppError('conflict', 'This number was connected meanwhile.');
    throw error;
  }
}

export async function disconnectPhoneNumber(deps: PhoneNumberDeps, clinicId: string, id: string): Promise<void> {
  const row = await deps.db
    .selectFrom('phone_numbers')
    .selectAll()
    .where('id', '=', id)
    .where('clinic_id', '=', clinicId)
    .executeTakeFirst();
  if (!row) throw AppError.notFound('Phone number');
  if (row.provider_number_id) {
    try {
      await deps.vapi.deletePhoneNumber(row.provider_number_id);
    } catch (error) {
      // Already gone on the platform: disconnecting is done.
      if (!(error instanceof ProviderRequestError && error.providerStatus === 404)) throw error;
    }
  }
  await deps.db.deleteFrom('phone_numbers').where('id', '=', id).where('clinic_id', '=', clinicId).execute();
  deps.logger.info({ clinicId, number: maskPhoneNumber(row.number) }, 'phone number disconnected');
}
