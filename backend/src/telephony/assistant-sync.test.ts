import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';

describe('syncing the personality to the voice platform', () => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: SignedIn;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
  });

  const save = async (changes: Record<string, unknown>) => {
    const { personality } = await json(await staff.api('/api/agent'));
    const res = await staff.api('/api/agent', { method: 'PUT', body: JSON.stringify({ personality: { ...personality, ...changes } }) });
    expect(res.status).toBe(200);
    return json(res);
  };

  it('creates the clinic’s assistant with its webhooks signed by an HMAC credential, then updates the same one', async () => {
    const first = await save({ name: 'Nora', greeting: 'Hello, Riverside clinic, Nora speaking.' });
    expect(first.sync).toMatchObject({ status: 'sandbox', message: null });
    const assistantId = first.providerAssistantId as string;
    const state = backend.sandbox!.state;
    const assistant = state.assistants.get(assistantId)!;
    expect(assistant).toMatchObject({
      name: 'Nora',
      firstMessage: 'Hello, Riverside clinic, Nora speaking.',
      server: { url: `${backend.url}/webhooks/vapi`, credentialId: expect.any(String) },
      serverMessages: expect.arrayContaining(['status-update', 'transcript', 'end-of-call-report', 'tool-calls']),
    });
    const credential = state.credentials.get(assistant.server!.credentialId!)!;
    expect(credential.authenticationPlan).toMatchObject({
      type: 'hmac',
      algorithm: 'sha256',
      secretKey: backend.telephony.webhookAuth.secret,
    });
    expect(JSON.stringify(assistant.model)).toContain('Opening hours');
    // Live control is on (transfers go through the call's control URL), and the line's rules follow
    // the clinic's prompt; the tools take no phone number from the model.
    expect(assistant.monitorPlan).toEqual({ listenEnabled: true, controlEnabled: true });
    const model = assistant.model as {
      messages: Array<{ content: string }>;
      tools: Array<{ function: { name: string; parameters: { properties: object } } }>;
    };
    expect(model.messages[0]!.content).toMatch(/Rules of this phone line[\s\S]*verified: true/);
    for (const tool of model.tools)
      expect(Object.keys(tool.function.parameters.properties), tool.function.name).not.toContain('phoneNumber');

    const second = await save({ greeting: 'Good morning, Riverside clinic.' });
    expect(second.providerAssistantId).toBe(assistantId);
    expect(state.assistants.get(assistantId)!.firstMessage).toBe('Good morning, Riverside clinic.');
    expect(state.credentials.size).toBe(1);
  });

  it('runs the assistant in the platform’s HIPAA mode exactly while transcripts are stored redacted', async () => {
    const { providerAssistantId } = await save({ name: 'Nora' });
    const assistant = () => backend.sandbox!.state.assistants.get(providerAssistantId as string)!;
    expect(assistant().compliancePlan).toEqual({ hipaaEnabled: false });
    const redact = (on: boolean) =>
      staff.api('/api/clinic/settings', { method: 'PUT', body: JSON.stringify({ storeTranscriptsRedacted: on }) });

    expect((await redact(true)).status).toBe(200);
    expect(assistant().compliancePlan).toEqual({ hipaaEnabled: true });
    const agent = await json(await staff.api('/api/agent'));
    expect(agent).toMatchObject({ providerAssistantId, sync: { status: 'sandbox' } });
    // Saved again later, it keeps the mode; the body sent for one call (transient) carries it too.
    await save({ greeting: 'Riverside clinic, Nora speaking.' });
    expect(assistant().compliancePlan).toEqual({ hipaaEnabled: true });
    const transient = await backend.telephony.assistantSync.payload(staff.session.user.clinicId, agent.personality);
    expect(transient.compliancePlan).toEqual({ hipaaEnabled: true });

    expect((await redact(false)).status).toBe(200);
    expect(assistant().compliancePlan).toEqual({ hipaaEnabled: false });
  });

  it('the sandbox refuses a compliance plan of the wrong shape, as the platform would', async () => {
    const sandbox = backend.sandbox!;
    const res = await fetch(`${sandbox.vapiBaseUrl}/assistant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', compliancePlan: { hipaaEnabled: 'yes' } }),
    });
    expect(res.status).toBe(400);
  });
});

describe('a failing voice platform', () => {
  let database: TestDatabase;
  let backend: TestBackend;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    // A real Vapi configuration pointing at a port nobody listens on.
    backend = await startTestBackend(database, {
      VAPI_API_KEY: 'key-for-tests',
      VAPI_BASE_URL: 'http://127.0.0.1:9',
      VAPI_WEBHOOK_SECRET: 'webhook-secret-for-tests',
    });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  it('reports a failed sync readably instead of hiding it, and refuses a test call with the reason', async () => {
    const staff = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
    const { personality } = await json(await staff.api('/api/agent'));
    const saved = await json(await staff.api('/api/agent', { method: 'PUT', body: JSON.stringify({ personality }) }));
    expect(saved.sync).toMatchObject({ status: 'failed', message: expect.stringMatching(/could not be reached/) });

    const call = await staff.api('/api/test-calls/phone', { method: 'POST', body: JSON.stringify({ phoneNumber: '+441614960123' }) });
    expect(call.status).toBe(502);
    expect((await json(call)).error.message).toMatch(/not set up on the voice platform/);
  });
});
