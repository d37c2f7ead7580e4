// Property: whatever text a client sends in any REST body or query the backend accepts (every route
// of protocol's apiRoutes with a body or query schema, plus the upload's file name), the real server
// answers with a 2xx or a 4xx in the error envelope, never a 5xx. The text is arbitrary Unicode with
// NUL, lone surrogates, bidi controls and invalid UTF-8 mixed in: NUL used to reach PostgreSQL (500
// for `GET /api/calls?q=%00` and a NUL in the agent's name).
//
// Each case starts from a valid request for the route (so the hostile text gets past the shape checks
// and as deep as the route goes) and changes one thing: a string field, a field's type, an extra key,
// or the whole body. Webhook bodies are not covered here (their own suites).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, type ApiRouteName } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { insertBooking } from '../../test/support/call-fixtures.js';

/** Runs per route and database; every run is one real HTTP request. */
const RUNS = 40;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Characters that have broken servers: NUL, lone surrogates, bidi overrides, BOM, line separators. */
const NASTY = ['\u0000', '\uD800', '\uDFFF', '\uDBFF\uDBFF', '\u202E', '\u2066', '\uFEFF', '\u2028', '\u0085', '\u001B', '%00', '\\u0000'];
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...NASTY, 'a', 'é', '😀', ' '), maxLength: 30 }),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...NASTY), fc.string({ maxLength: 10 })).map(([a, b, c]) => a + b + c),
);
const hostileJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.constantFrom(null, true, 0, -1, 1e308),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Every path to a string leaf of a JSON value. */
function stringPaths(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...at, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...at, k]));
  return [];
}
function setAt(value: Json, path: Array<string | number>, leaf: Json): Json {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, Json>;
  copy[head!] = setAt(copy[head!]!, rest, leaf);
  return copy as Json;
}

/** One change to a valid request: a string field, a field's value, an extra key, or everything. */
function mutations(valid: Record<string, Json>): fc.Arbitrary<Json> {
  const paths = stringPaths(valid);
  const keys = Object.keys(valid);
  const options: Array<fc.Arbitrary<Json>> = [
    fc.tuple(fc.constantFrom(...keys), hostileString).map(([key, extra]) => ({ ...valid, [`${key}${extra}`]: extra })),
    hostileJson,
  ];
  if (paths.length) options.push(fc.tuple(fc.constantFrom(...paths), hostileString).map(([path, leaf]) => setAt(valid, path, leaf)));
  if (keys.length) options.push(fc.tuple(fc.constantFrom(...keys), hostileJson).map(([key, leaf]) => ({ ...valid, [key]: leaf })));
  return fc.oneof(...options);
}

/**
 * A query string as an attacker can send it: any code unit, percent-encoded; lone surrogates as their
 * WTF-8 bytes (encodeURIComponent refuses them), plus raw invalid UTF-8 and overlong NUL.
 */
function rawQuery(query: Json): string {
  const encode = (s: string) =>
    [...wtf8(s)]
      .map((byte) =>
        /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`,
      )
      .join('');
  const entries =
    query && typeof query === 'object' && !Array.isArray(query)
      ? Object.entries(query)
      : [[typeof query === 'string' ? query : 'q', query]];
  return entries
    .flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map(
        (v) => `${encode(String(key))}=${encode(typeof v === 'string' ? v : JSON.stringify(v))}`,
      ),
    )
    .join('&');
}
/** UTF-8, except that a lone surrogate becomes its own three bytes (what a hostile client can send). */
function wtf8(s: string): Buffer {
  return Buffer.concat(
    [...s].map((ch) => {
      const code = ch.charCodeAt(0);
      if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff)
        return Buffer.from([0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]);
      return Buffer.from(ch, 'utf8');
    }),
  );
}
const RAW_BYTES = ['%C0%80', '%FF', '%ED%A0%80', '%00', '%E2%80%AE'];
const rawBytes = fc.constantFrom(...RAW_BYTES);

describe.each(databaseKinds())('hostile text on every REST body and query on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;
  let desk: SignedIn;
  /** Logout cases sign in as this second person: the login cases' random wrong passwords for `staff`
   * start that account's backoff, which would otherwise refuse the logout cases' sign-ins. */
  let leaving: TestStaff;
  let bookingId: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, {
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      // Every logout case signs in afresh as the same person: the per-account backoff is not under test.
      LOGIN_ACCOUNT_BACKOFF_AFTER_ATTEMPTS: '10000',
      API_RATE_LIMIT_PER_MINUTE: '100000',
      TEST_CALL_RATE_LIMIT_PER_MINUTE: '100',
    });
    staff = await createClinicWithStaff(database.db, { role: 'admin' });
    desk = await signIn(backend.url, staff);
    leaving = await addStaff(database.db, staff.clinicId);
    const startsAt = new Date(Date.now() + 3 * 86_400_000);
    bookingId = await insertBooking(database.db, staff.clinicId, {
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + 1_800_000),
    });
  });
  afterAll(async () => {
    await backend?.knowledge.drain();
    await backend?.sandbox?.idle();
    await backend?.close();
    await database?.close();
  });

  /** A valid body or query per route, the starting point of every case. */
  const validRequests = (): Partial<Record<ApiRouteName, Record<string, Json>>> => ({
    login: { email: staff.email, password: staff.password },
    refresh: { refreshToken: desk.session.refreshToken },
    logout: { refreshToken: desk.session.refreshToken },
    listCalls: { q: 'Smith', limit: '20', status: 'ended', direction: 'inbound', outcome: 'booked', from: '2030-01-01', to: '2030-01-31' },
    listBookings: { from: '2030-01-01', to: '2030-01-31', status: 'confirmed' },
    updateBooking: { action: 'reschedule', startsAt: '2031-05-06T09:00:00Z', endsAt: '2031-05-06T09:30:00Z' },
    updateAgent: {
      personality: {
        name: 'Riley',
        greeting: 'Hello, Riverside Family Clinic.',
        systemPrompt: 'You answer the phone for a family clinic.',
        voice: { provider: 'vapi', voiceId: 'Elliot' },
        timeZone: 'Europe/London',
        hours: {
          monday: [{ open: '08:00', close: '18:00' }],
          tuesday: [],
          wednesday: [],
          thursday: [],
          friday: [],
          saturday: [],
          sunday: [],
        },
        transferNumber: '+442079460958',
        appointmentMinutes: 20,
      },
    },
    phoneTestCall: { phoneNumber: '+44 7911 123456' },
    listAuditLog: { limit: '20', actor: staff.staffId, action: 'call.viewed', objectId: bookingId, from: '2030-01-01', to: '2030-01-31' },
    exportAuditLog: { actor: staff.staffId, action: 'call.viewed', objectId: bookingId, from: '2030-01-01', to: '2030-01-31' },
    updateClinicSettings: { transcriptRetentionDays: 30, callRetentionDays: 400, storeTranscriptsRedacted: true },
    inviteStaff: { email: 'new.desk@clinic.test', name: 'New Desk', role: 'front_desk' },
    updateStaff: { role: 'front_desk', disabled: false },
    coachCall: { text: 'Offer Thursday instead.' },
    sayOnCall: { text: 'One moment, please.' },
    transferCall: { to: 'clinic' },
    connectPhoneNumber: { phoneNumber: '+442079460123', twilioAccountSid: `AC${'0'.repeat(32)}`, twilioAuthToken: 'x'.repeat(32) },
    listWorkItems: { status: 'open', kind: 'missed_call', limit: '20' },
    claimWorkItem: { takeOver: true },
    doneWorkItem: { outcome: 'no_answer', note: 'Tried twice.' },
    setTransferNumber: { transferNumber: '+442079460123' },
  });

  const routesWithInput = (Object.entries(apiRoutes) as Array<[ApiRouteName, (typeof apiRoutes)[ApiRouteName]]>).filter(
    ([, route]) => 'body' in route || 'query' in route,
  );

  it('knows a valid request for every route that takes a body or a query', () => {
    expect(routesWithInput.map(([name]) => name).sort()).toEqual(Object.keys(validRequests()).sort());
  });

  /** Checks one answer: never a 5xx, and every refusal in the error envelope. */
  const expectHandled = async (what: string, res: Response) => {
    const text = await res.text();
    expect(res.status, `${what} → ${res.status} ${text}`).toBeLessThan(500);
    if (res.status >= 400) expect(JSON.parse(text), `${what} → ${text}`).toMatchObject({ error: { code: expect.any(String) } });
  };

  for (const [name, route] of routesWithInput) {
    it(`${route.method} ${route.path} answers every hostile ${'body' in route ? 'body' : 'query'} without a 5xx`, async () => {
      const valid = validRequests()[name]!;
      // Logout ends the session it is sent with: it gets sessions of its own.
      let own: SignedIn | undefined;
      const session = async () => (name === 'logout' ? (own ??= await signIn(backend.url, leaving)) : desk);
      // Ids name a booking (a 404 for most routes: the body is still parsed first), except a staff
      // member's own number, which is exercised on the signed-in person.
      const path = route.path.replace(':id', name === 'setTransferNumber' ? staff.staffId : bookingId);
      // Always tried, besides the random cases: NUL and a lone surrogate in each string field (the
      // reported 500s), and for queries raw bytes (overlong NUL, invalid UTF-8) as each value.
      const pinned = stringPaths(valid).flatMap((at) => ['a\u0000b', '\u0000', '\uD800'].map((leaf) => setAt(valid, at, leaf)));
      const keys = Object.keys(valid);
      const arbitrary =
        'query' in route
          ? fc.oneof(
              mutations(valid).map((query) => rawQuery(query)),
              fc
                .tuple(fc.constantFrom(...keys), rawBytes)
                .map(([key, raw]) => rawQuery({ ...valid, [key]: '' }).replace(`${key}=`, `${key}=${raw}`)),
            )
          : mutations(valid).map((body) => JSON.stringify(body));
      const examples: Array<[string]> =
        'query' in route
          ? [
              ...pinned.map((q) => rawQuery(q)),
              ...RAW_BYTES.flatMap((raw) => keys.map((key) => rawQuery({ ...valid, [key]: '' }).replace(`${key}=`, `${key}=${raw}`))),
            ].map((q) => [q])
          : pinned.map((body) => [JSON.stringify(body)]);
      await fc.assert(
        fc.asyncProperty(arbitrary, async (input) => {
          const who = await session();
          const res =
            'query' in route
              ? await who.api(`${path}?${input}`)
              : await who.api(path, { method: route.method, body: input, headers: { 'content-type': 'application/json' } });
          await expectHandled(`${route.method} ${path} ${JSON.stringify(input)}`, res);
          if (name === 'logout' && res.status === 204) own = undefined;
        }),
        { numRuns: RUNS, examples },
      );
    });
  }

  it('answers every hostile upload file name without a 5xx', async () => {
    // Raw bytes in the part header, as a client can send them: WTF-8 lone surrogates, NUL, C1, bidi.
    const names = hostileString.map((s) => s.replace(/["\r\n]/g, ''));
    await fc.assert(
      fc.asyncProperty(names, fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), async (name, content) => {
        const boundary = '----voxanne-hostile';
        const body = Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`),
          wtf8(`${name}.txt`),
          Buffer.from(`"\r\nContent-Type: text/plain\r\n\r\n`),
          Buffer.from(content, 'utf8'),
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]);
        const res = await desk.api('/api/knowledge-base', {
          method: 'POST',
          body,
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        });
        await expectHandled(`upload ${JSON.stringify(name)}`, res);
      }),
      { numRuns: RUNS },
    );
  });
});
