import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';

interface TwilioAccount {
  accountSid: string;
  authToken: string;
  numbers: string[];
}

describe.each(databaseKinds())('inbound numbers on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: TestStaff;
  let api: SignedIn['api'];
  let account: TwilioAccount;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { SANDBOX_TIME_SCALE: '100' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  afterEach(async () => {
    await backend.sandbox!.idle();
  });
  beforeEach(async () => {
    await database.reset();
    admin = await createClinicWithStaff(database.db, { role: 'admin' });
    api = (await signIn(backend.url, admin)).api;
    // A fresh Twilio account in the sandbox for each test, through its control API.
    account = await json(
      await sandboxControl(backend)('/twilio-accounts', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"numbers":2}',
      }),
    );
  });

  const connect = (body: Record<string, unknown>, as = api) => as('/api/phone-numbers', { method: 'POST', body: JSON.stringify(body) });
  const valid = () => ({ phoneNumber: account.numbers[0], twilioAccountSid: account.accountSid, twilioAuthToken: account.authToken });
  const stored = async () => database.db.selectFrom('phone_numbers').selectAll().execute();

  it('connects a Twilio number: checks it with Twilio, imports it into Vapi with our webhooks and attaches the assistant', async () => {
    const res = await connect(valid());
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(201);
    const { phoneNumber } = body;
    expect(phoneNumber).toMatchObject({
      number: account.numbers[0],
      provider: 'twilio',
      status: 'active',
      assistantAttached: true,
      statusMessage: null,
    });

    const list = await json(await api('/api/phone-numbers'));
    expect(list.items).toEqual([phoneNumber]);

    const [row] = await stored();
    const imported = backend.sandbox!.state.phoneNumbers.get(row!.provider_number_id!);
    const agent = await database.db
      .selectFrom('agents')
      .select('provider_assistant_id')
      .where('clinic_id', '=', admin.clinicId)
      .executeTakeFirstOrThrow();
    expect(imported).toMatchObject({
      number: account.numbers[0],
      twilioAccountSid: account.accountSid,
      assistantId: agent.provider_assistant_id,
      server: { url: `${backend.url}/webhooks/vapi` },
    });
    expect(JSON.stringify(row)).not.toContain(account.authToken);
  });

  it('a patient ringing the connected number reaches the clinic’s assistant and shows up as an inbound call', async () => {
    await connect(valid());
    const placed = await json(
      await sandboxControl(backend)('/inbound-calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: account.numbers[0], from: '+441614960321', script: 'spam' }),
      }),
    );
    await backend.sandbox!.callFinished(placed.callId);
    const call = await eventually(async () => {
      const row = await database.db.selectFrom('calls').selectAll().where('provider_call_id', '=', placed.callId).executeTakeFirstOrThrow();
      expect(row.outcome).toBe('spam');
      return row;
    });
    expect(call).toMatchObject({ clinic_id: admin.clinicId, direction: 'inbound', caller_number: '+441614960321', status: 'ended' });
  });

  it('refuses credentials Twilio does not accept, and numbers the account does not own, storing nothing', async () => {
    const badToken = await connect({ ...valid(), twilioAuthToken: 'f'.repeat(32) });
    expect(badToken.status).toBe(400);
    expect((await json(badToken)).error.message).toMatch(/Twilio did not accept/);

    const notOwned = await connect({ ...valid(), phoneNumber: '+442079460998' });
    expect(notOwned.status).toBe(400);
    expect((await json(notOwned)).error.message).toMatch(/not a number of that Twilio account/);

    const badSid = await connect({ ...valid(), twilioAccountSid: 'not-a-sid' });
    expect(badSid.status).toBe(400);
    expect(await stored()).toHaveLength(0);
  });

  it('refuses a number that is already connected', async () => {
    expect((await connect(valid())).status).toBe(201);
    const again = await connect(valid());
    expect(again.status).toBe(409);
    expect(await stored()).toHaveLength(1);
  });

  it('tells another clinic nothing about a connected number until it proves it holds the number’s Twilio account', async () => {
    expect((await connect(valid())).status).toBe(201);
    const intruder = (await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }))).api;
    const theirAccount: TwilioAccount = await json(
      await sandboxControl(backend)(`/twilio-accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"numbers":1}',
      }),
    );
    const probe = (phoneNumber: string, credentials: { twilioAccountSid: string; twilioAuthToken: string }) =>
      connect({ phoneNumber, ...credentials }, intruder);
    const answerFor = async (res: Response) => ({ status: res.status, body: JSON.stringify(await json(res)) });
    const unconnected = '+442079460997';

    // Made-up credentials: the same refusal for our customer's number as for any other.
    const madeUp = { twilioAccountSid: `AC${'1'.repeat(32)}`, twilioAuthToken: 'f'.repeat(32) };
    const ours = await answerFor(await probe(account.numbers[0]!, madeUp));
    const other = await answerFor(await probe(unconnected, madeUp));
    expect(ours.status).toBe(400);
    expect(ours).toEqual(other);
    expect(ours.body).not.toMatch(/another clinic|already connected/);

    // Their own real account, our number: "not a number of that account", exactly as for a free number.
    const own = { twilioAccountSid: theirAccount.accountSid, twilioAuthToken: theirAccount.authToken };
    const ownOurs = await answerFor(await probe(account.numbers[0]!, own));
    const ownOther = await answerFor(await probe(unconnected, own));
    expect(ownOurs.status).toBe(400);
    expect(ownOurs.body.replace(account.numbers[0]!, 'N')).toBe(ownOther.body.replace(unconnected, 'N'));
    expect(ownOurs.body).not.toMatch(/another clinic/);

    // Only with the number's own account does the answer say it is taken.
    const holder = await probe(account.numbers[0]!, { twilioAccountSid: account.accountSid, twilioAuthToken: account.authToken });
    expect(holder.status).toBe(409);
    expect((await json(holder)).error.message).toBe('This number is connected to another clinic.');
    expect(await stored()).toHaveLength(1);
  });

  it('lets front-desk staff see the numbers but only an administrator change them', async () => {
    const frontDesk = await signIn(backend.url, await addStaff(database.db, admin.clinicId, 'front_desk'));
    expect((await connect(valid(), frontDesk.api)).status).toBe(403);
    expect((await frontDesk.api('/api/phone-numbers')).status).toBe(200);
  });

  it('disconnects a number (also on the platform); another clinic cannot', async () => {
    const { phoneNumber } = await json(await connect(valid()));
    const [row] = await stored();
    const otherAdmin = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
    expect((await otherAdmin.api(`/api/phone-numbers/${phoneNumber.id}`, { method: 'DELETE' })).status).toBe(404);

    expect((await api(`/api/phone-numbers/${phoneNumber.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await stored()).toHaveLength(0);
    expect(backend.sandbox!.state.phoneNumbers.has(row!.provider_number_id!)).toBe(false);
  });
});
