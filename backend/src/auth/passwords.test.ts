import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, TEST_PASSWORD, type TestStaff } from '../../test/support/fixtures.js';
import { costOf, hashPassword, memoryOf, needsRehash, PASSWORD_COST, verifyPassword } from './passwords.js';

const OLD_COST = { N: 2 ** 14, r: 8, p: 1 };

describe('password hashes', () => {
  it('new hashes use the production cost, N=2^17 r=8 p=1, and record it', async () => {
    expect(PASSWORD_COST).toEqual({ N: 131_072, r: 8, p: 1 });
    const hash = await hashPassword('a long enough password');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(costOf(hash)).toEqual(PASSWORD_COST);
    expect(await verifyPassword('a long enough password', hash)).toBe(true);
    expect(await verifyPassword('a long enough passwore', hash)).toBe(false);
    // 128·N·r = 128 MiB, plus scrypt's small extra: more than Node's default 32 MiB limit allows.
    expect(memoryOf(PASSWORD_COST)).toBeGreaterThan(128 * 1024 * 1024);
    expect(memoryOf(PASSWORD_COST)).toBeLessThan(129 * 1024 * 1024);
  });

  it('asks for a rehash only when a stored hash is weaker than the current cost', async () => {
    const old = await hashPassword('pw', OLD_COST);
    expect(needsRehash(old, PASSWORD_COST)).toBe(true);
    expect(needsRehash(old, OLD_COST)).toBe(false);
    // A lower configured cost (tests) never downgrades a stronger stored hash.
    expect(needsRehash(old, { N: 2 ** 10, r: 8, p: 1 })).toBe(false);
    expect(needsRehash('not-a-hash', PASSWORD_COST)).toBe(true);
  });

  it('refuses a stored hash claiming an absurd cost without trying it (a corrupt row must not allocate gigabytes)', async () => {
    const [, , , , salt, key] = (await hashPassword('pw', OLD_COST)).split('$');
    for (const cost of ['1073741824$8$1', '131071$8$1', '16384$1000$1', '16384$8$99', '16384$8', 'x$8$1']) {
      expect(await verifyPassword('pw', `scrypt$${cost}$${salt}$${key}`)).toBe(false);
    }
    expect(await verifyPassword('pw', `bcrypt$16384$8$1$${salt}$${key}`)).toBe(false);
  });
});

describe.each(databaseKinds())('sign-in upgrades old password hashes on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    // This backend hashes at the production cost, as a deployed one does.
    backend = await startTestBackend(database, {}, undefined, { passwordCost: PASSWORD_COST });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await createClinicWithStaff(database.db);
  });

  const storedHash = async () =>
    (await database.db.selectFrom('staff').select('password_hash').where('id', '=', staff.staffId).executeTakeFirstOrThrow())
      .password_hash!;
  const login = (password: string) =>
    fetch(`${backend.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: staff.email, password }),
    });

  it('a 2^14 hash keeps working and is replaced by a 2^17 one on the next successful sign-in', async () => {
    const old = await hashPassword(TEST_PASSWORD, OLD_COST);
    await database.db.updateTable('staff').set({ password_hash: old }).where('id', '=', staff.staffId).execute();

    // A wrong password upgrades nothing.
    expect((await login('wrong password entirely')).status).toBe(401);
    expect(await storedHash()).toBe(old);

    expect((await login(TEST_PASSWORD)).status).toBe(200);
    const upgraded = await storedHash();
    expect(costOf(upgraded)).toEqual(PASSWORD_COST);
    expect(await verifyPassword(TEST_PASSWORD, upgraded)).toBe(true);

    // The new hash signs in, and is left alone from now on.
    expect((await login(TEST_PASSWORD)).status).toBe(200);
    expect(await storedHash()).toBe(upgraded);
  });
});
