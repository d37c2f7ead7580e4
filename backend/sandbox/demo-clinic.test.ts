// The demo clinic's password never reaches the JSON log, at any level, whether generated or configured:
// logs are shipped and kept where passwords must not be. `npm start` prints it on its terminal instead,
// reading DEMO_PASSWORD or the owner-only file named here.
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { startTestBackend } from '../test/support/test-backend.js';
import { DEMO_LOGINS, demoPasswordFile } from './demo-clinic.js';

function logCollector() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

// The seeding is database-independent; the log is what is under test: PGlite only.
describe('demo clinic sign-in', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.close();
  });

  const signInWorks = async (url: string, password: string) =>
    (
      await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEMO_LOGINS[0].email, password }),
      })
    ).status;

  it('logs where the generated password is, never the password', async () => {
    await database.reset();
    const logs = logCollector();
    const backend = await startTestBackend(database, { SEED_DEMO: 'true', DEMO_PASSWORD: undefined, LOG_LEVEL: 'trace' }, logs.stream);
    try {
      const file = demoPasswordFile(backend.dataDir);
      const password = fs.readFileSync(file, 'utf8').trim();
      expect(password).toMatch(/^demo-/);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(await signInWorks(backend.url, password)).toBe(200);
      expect(logs.text()).toContain('demo clinic ready');
      expect(logs.text()).toContain(file);
      expect(logs.text()).not.toContain(password);
    } finally {
      await backend.close();
    }
  });

  it('never logs a configured DEMO_PASSWORD either', async () => {
    await database.reset();
    const logs = logCollector();
    const password = 'configured-demo-password-7f3a';
    const backend = await startTestBackend(database, { SEED_DEMO: 'true', DEMO_PASSWORD: password, LOG_LEVEL: 'trace' }, logs.stream);
    try {
      expect(await signInWorks(backend.url, password)).toBe(200);
      expect(logs.text()).toContain('demo clinic ready');
      expect(logs.text()).not.toContain(password);
    } finally {
      await backend.close();
    }
  });
});
