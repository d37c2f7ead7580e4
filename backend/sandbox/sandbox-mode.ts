// Sandbox mode, as the composition root (backend/src/backend.ts) loads it on demand: starts the
// simulator, tells the telephony layer where its Vapi and Twilio stand-ins listen, and seeds the demo
// clinic. Nothing in backend/src imports this module statically, so the production bundle's entry
// point does not contain the simulator (backend/src/server-bundle.test.ts checks).
import type { Config } from '../src/config/config.js';
import type { Db } from '../src/db/database.js';
import type { Logger } from '../src/logging/logger.js';
import { getAgent, updateAgent, type AgentServiceDeps } from '../src/agent/agent-service.js';
import { connectPhoneNumber, type PhoneNumberDeps } from '../src/phone-numbers/phone-number-service.js';
import type { VendorEndpoints } from '../src/telephony/telephony.js';
import type { WebhookAuth } from '../src/telephony/webhook-auth.js';
import { startSandbox, type Sandbox } from './sandbox.js';
import { DEMO_LOGINS, demoPasswordFile, ensureDemoClinic } from './demo-clinic.js';
import { ensureDemoHistory } from './demo-history.js';

export async function startSandboxMode(options: {
  config: Config;
  logger: Logger;
  backendUrl: () => string;
  webhookAuth: WebhookAuth;
}): Promise<{ sandbox: Sandbox; vendors: VendorEndpoints }> {
  const { config } = options;
  const sandbox = await startSandbox({
    port: config.sandbox.port,
    timeScale: config.sandbox.timeScale,
    inboundCallsPerMinute: config.sandbox.inboundCallsPerMinute,
    logger: options.logger,
    backendUrl: options.backendUrl,
    webhookAuth: options.webhookAuth,
    controlFileDir: config.dataDir,
  });
  const vendors: VendorEndpoints = {
    vapiBaseUrl: sandbox.vapiBaseUrl,
    vapiApiKey: sandbox.apiKey,
    twilioBaseUrl: sandbox.twilioBaseUrl,
    smsSender: { accountSid: sandbox.platform.accountSid, authToken: sandbox.platform.authToken, from: sandbox.platform.smsNumber },
    defaultPhoneNumberId: sandbox.platform.outboundPhoneNumberId,
    controlUrlAllowed: (url) => url.origin === new URL(sandbox.url).origin,
    // The sandbox's listen sockets are on its own origin, as ws:// (loopback).
    listenUrlAllowed: (url) => url.protocol === 'ws:' && url.host === new URL(sandbox.url).host,
  };
  return { sandbox, vendors };
}

/** The demo clinic, its sign-ins and two weeks of sample history (created once; kept between runs). */
export async function seedDemoClinic(db: Db, config: Config, logger: Logger): Promise<string> {
  const demo = await ensureDemoClinic(db, config.dataDir, config.sandbox.demoPassword);
  // Never the password itself: logs are shipped and kept where passwords must not be. `npm start`
  // prints it once on its terminal (from DEMO_PASSWORD or the file below).
  logger.info(
    { clinicId: demo.clinicId, created: demo.created, logins: DEMO_LOGINS.map((l) => l.email) },
    config.sandbox.demoPassword
      ? 'demo clinic ready (sandbox only): sign in with DEMO_PASSWORD'
      : `demo clinic ready (sandbox only): the password is in ${demoPasswordFile(config.dataDir)}`,
  );
  const history = await ensureDemoHistory(db, demo.clinicId);
  if (history.created) logger.info({ calls: history.calls, bookings: history.bookings }, 'demo clinic sample history created');
  return demo.clinicId;
}

/**
 * Gives the demo clinic a connected line so simulated patients can ring it. The sandbox forgets
 * everything when the process ends while the database remembers: ids from an earlier run are
 * re-created here (the assistant by a sync, the line by reconnecting it).
 */
export async function provisionDemoClinic(
  sandbox: Sandbox,
  clinicId: string,
  deps: { phoneNumbers: PhoneNumberDeps; agents: AgentServiceDeps; logger: Logger },
): Promise<void> {
  const db = deps.phoneNumbers.db;
  const agent = await getAgent(db, clinicId);
  if (!agent.providerAssistantId || !sandbox.state.assistants.has(agent.providerAssistantId)) {
    await updateAgent(deps.agents, clinicId, agent.personality);
  }
  const existing = await db.selectFrom('phone_numbers').select(['id', 'provider_number_id']).where('clinic_id', '=', clinicId).execute();
  if (existing.some((n) => n.provider_number_id && sandbox.state.phoneNumbers.has(n.provider_number_id))) return;
  if (existing.length > 0) await db.deleteFrom('phone_numbers').where('clinic_id', '=', clinicId).execute();
  const line = sandbox.clinicAccount.numbers[0]!;
  await connectPhoneNumber(deps.phoneNumbers, clinicId, {
    phoneNumber: line.phoneNumber,
    twilioAccountSid: sandbox.clinicAccount.sid,
    twilioAuthToken: sandbox.clinicAccount.authToken,
  });
  deps.logger.info({ clinicId, number: line.phoneNumber }, 'demo clinic line connected in the sandbox');
}
