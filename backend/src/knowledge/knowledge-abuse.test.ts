// The knowledge base against the upload that froze every clinic: a PDF that is small on disk and
// inflates to hundreds of MB. The upload is answered at once (`processing`), the text is read in a
// worker thread, the document fails with a readable reason, nothing reaches the voice platform, and
// meanwhile the backend keeps answering everything else. Uploads (an administrator's job) are rate limited per staff member.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { pdfBomb } from '../../test/support/pdf.js';

const UPLOADS_PER_MINUTE = 3;

describe.each(databaseKinds())('knowledge uploads under attack on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: SignedIn;
  let bomb: Buffer;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { KNOWLEDGE_UPLOADS_PER_MINUTE: String(UPLOADS_PER_MINUTE) });
    bomb = await pdfBomb(512 * 1024 * 1024);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    admin = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
  });
  afterEach(async () => {
    await backend.knowledge.drain();
  });

  const upload = (who: SignedIn, name: string, bytes: Buffer | string) => {
    const form = new FormData();
    form.set('file', new Blob([bytes]), name);
    return who.api('/api/knowledge-base', { method: 'POST', body: form });
  };

  // The reading thread runs at a low CPU priority: on a busy shared machine it takes its time.
  it(
    'answers a decompression bomb at once, fails it with the reason, and keeps answering everyone else',
    { timeout: 180_000 },
    async () => {
      expect(bomb.length).toBeLessThan(600 * 1024);
      const workersBefore = backend.knowledge.pdf.stats.started;
      const filesBefore = backend.sandbox!.state.files.size;

      const res = await upload(admin, 'price-list.pdf', bomb);
      expect(res.status).toBe(201);
      const { document } = await json(res);
      expect(document).toMatchObject({ status: 'processing', statusMessage: null });

      // While it is being read: health probes, the API and the list itself are all answered.
      const others = await Promise.all(
        Array.from({ length: 10 }, () => [
          fetch(`${backend.url}/health`),
          admin.api('/api/calls?limit=5'),
          admin.api('/api/dashboard/stats'),
          admin.api('/api/knowledge-base'),
        ]).flat(),
      );
      expect(others.map((r) => r.status)).toEqual(others.map(() => 200));

      const failed = await eventually(async () => {
        const items = (await json(await admin.api('/api/knowledge-base'))).items as Array<{ status: string; statusMessage: string | null }>;
        expect(items[0]?.status).toBe('failed');
        return items[0]!;
      }, 150_000);
      expect(failed.statusMessage).toBe('This PDF could not be read: it expands to more than 64 MB.');
      expect(backend.knowledge.pdf.stats.started).toBe(workersBefore + 1); // read in a worker thread
      expect(backend.sandbox!.state.files.size).toBe(filesBefore); // nothing went to the voice platform
      const row = await database.db
        .selectFrom('knowledge_documents')
        .select('content_text')
        .where('id', '=', document.id)
        .executeTakeFirstOrThrow();
      expect(row.content_text).toBeNull();
    },
  );

  it('limits uploads per staff member, before reading the body', async () => {
    const workersBefore = backend.knowledge.pdf.stats.started;
    for (let i = 0; i < UPLOADS_PER_MINUTE; i++) {
      expect((await upload(admin, `faq-${i}.txt`, `Question ${i}: parking is free.`)).status).toBe(201);
    }
    const limited = await upload(admin, 'price-list.pdf', bomb);
    expect(limited.status).toBe(429);
    expect((await json(limited)).error.message).toBe(
      `You can upload ${UPLOADS_PER_MINUTE} documents a minute. Wait a moment and try again.`,
    );
    expect(backend.knowledge.pdf.stats.started).toBe(workersBefore); // the limited PDF was never read
    const rows = await database.db.selectFrom('knowledge_documents').select('filename').execute();
    expect(rows).toHaveLength(UPLOADS_PER_MINUTE);

    // A colleague at the same clinic has an allowance of their own.
    const colleague = await signIn(
      backend.url,
      await addStaff(database.db, (await admin.api('/api/me').then(json)).user.clinicId, 'admin'),
    );
    expect((await upload(colleague, 'directions.md', '# Take the number 12 bus.')).status).toBe(201);
  });
});
