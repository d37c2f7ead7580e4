import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { pdfWithText } from '../../test/support/pdf.js';
import { safeFilename } from './knowledge-service.js';

const FAQ = 'Parking is free in the car park behind the clinic.\nWe offer flu vaccinations every autumn for all patients.\n';

describe.each(databaseKinds())('knowledge base on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;
  let api: SignedIn['api'];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { KNOWLEDGE_MAX_BYTES: '4096' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  afterEach(async () => {
    await backend.knowledge.drain();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await createClinicWithStaff(database.db, { role: 'admin' });
    api = (await signIn(backend.url, staff)).api;
  });

  const upload = (name: string, bytes: Buffer | string, type = 'application/octet-stream') => {
    const form = new FormData();
    form.set('file', new Blob([bytes], { type }), name);
    return api('/api/knowledge-base', { method: 'POST', body: form });
  };
  const list = async () =>
    (await json(await api('/api/knowledge-base'))).items as Array<{ id: string; status: string; filename: string; mimeType: string }>;
  const sandbox = () => backend.sandbox!.state;
  const clinicTool = async () =>
    database.db.selectFrom('knowledge_tools').select('provider_tool_id').where('clinic_id', '=', staff.clinicId).executeTakeFirst();

  it('stores a text document, pushes it to the platform and gives the assistant a query tool over it', async () => {
    const res = await upload('faq.txt', FAQ, 'text/plain');
    expect(res.status).toBe(201);
    const { document } = await json(res);
    expect(document).toMatchObject({
      filename: 'faq.txt',
      mimeType: 'text/plain',
      sizeBytes: Buffer.byteLength(FAQ),
      status: 'processing',
      statusMessage: null,
    });

    await eventually(async () => expect((await list())[0]?.status).toBe('ready'));
    const row = await database.db.selectFrom('knowledge_documents').selectAll().where('id', '=', document.id).executeTakeFirstOrThrow();
    const tool = sandbox().tools.get((await clinicTool())!.provider_tool_id);
    expect(tool).toMatchObject({ type: 'query', knowledgeBases: [{ fileIds: [row.provider_file_id] }] });
    expect(sandbox().files.get(row.provider_file_id!)?.text).toContain('flu vaccinations');
    const agent = await database.db
      .selectFrom('agents')
      .select('provider_assistant_id')
      .where('clinic_id', '=', staff.clinicId)
      .executeTakeFirstOrThrow();
    expect(sandbox().assistants.get(agent.provider_assistant_id!)?.model?.toolIds).toEqual([tool!.id]);
  });

  it('extracts the text of a PDF and accepts Markdown', async () => {
    const pdf = await upload(
      'Price list.pdf',
      pdfWithText(['Blood tests cost 40 pounds.', 'Travel vaccines cost 60 pounds.']),
      'application/pdf',
    );
    expect(pdf.status).toBe(201);
    const md = await upload('directions.md', '# Directions\nTake the number 12 bus to the High Street.', 'text/markdown');
    expect(md.status).toBe(201);
    await eventually(async () => expect((await list()).map((d) => d.status)).toEqual(['ready', 'ready']));
    const rows = await database.db
      .selectFrom('knowledge_documents')
      .select(['filename', 'mime_type', 'content_text'])
      .orderBy('filename')
      .execute();
    expect(rows[0]).toMatchObject({ filename: 'Price list.pdf', mime_type: 'application/pdf' });
    expect(rows[0]!.content_text).toContain('Blood tests cost 40 pounds.');
    expect(rows[1]).toMatchObject({ filename: 'directions.md', mime_type: 'text/markdown' });
    const tool = sandbox().tools.get((await clinicTool())!.provider_tool_id);
    expect(tool?.knowledgeBases?.[0]?.fileIds).toHaveLength(2);
  });

  it('judges a file by its content, not its name, and refuses what it cannot read (nothing stored)', async () => {
    const fakePdf = await upload('report.pdf', 'just text pretending', 'application/pdf');
    expect(fakePdf.status).toBe(415);
    expect((await json(fakePdf)).error.message).toMatch(/not a PDF/);
    expect((await upload('notes.txt', Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]), 'text/plain')).status).toBe(415);
    expect((await upload('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain')).status).toBe(415);
    expect((await upload('virus.exe', 'MZ', 'application/octet-stream')).status).toBe(415);
    expect((await upload('hidden-pdf.txt', pdfWithText(['x']), 'text/plain')).status).toBe(415);
    const tooBig = await upload('big.txt', 'a'.repeat(5000), 'text/plain');
    expect(tooBig.status).toBe(413);
    expect((await upload('empty.txt', '', 'text/plain')).status).toBe(400);
    const noFile = await api('/api/knowledge-base', { method: 'POST', body: new FormData() });
    expect(noFile.status).toBe(400);
    expect(await list()).toEqual([]);
  });

  it('reads file names as UTF-8 and strips bidi overrides and control characters from them', async () => {
    // Raw multipart, so the bytes of the name are exactly what a browser or undici sends (UTF-8).
    const send = async (filename: string, content: string) => {
      const boundary = '----voxanne-test-boundary';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`),
        Buffer.from(filename, 'utf8'),
        Buffer.from(`"\r\nContent-Type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`),
      ]);
      const res = await api('/api/knowledge-base', {
        method: 'POST',
        body,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      const answer = await json(res);
      expect([res.status, answer]).toEqual([201, expect.anything()]);
      return answer.document.filename as string;
    };
    expect(await send('Preisliste für Ärzte – 2025.txt', 'Prices.')).toBe('Preisliste für Ärzte – 2025.txt');
    // "invoice<RLO>fdp.txt" would read as "invoicetxt.pdf"; isolates, marks, zero-width and C1/DEL go too.
    expect(await send('invoice\u202Efdp.txt', 'Invoice.')).toBe('invoicefdp.txt');
    expect(await send('\u2067Opening\u2069\u200F hours\u200B\u0085\uFEFF.md', '# Hours')).toBe('Opening hours.md');
    expect(await send('C:\\Users\\desk\\Desktop\\faq.txt', 'FAQ.')).toBe('faq.txt');
    const stored = await database.db.selectFrom('knowledge_documents').select('filename').execute();
    expect(stored.map((r) => r.filename).sort()).toEqual([
      'Opening hours.md',
      'Preisliste für Ärzte – 2025.txt',
      'faq.txt',
      'invoicefdp.txt',
    ]);
    // Raw C0 bytes never get past the multipart parser; other clients' names still lose them here.
    expect(safeFilename('\u0000bell\u0007\u001B[31m\u007F.txt')).toBe('bell[31m.txt');
    expect(safeFilename('\u202E\u2066')).toBe('document');
  });

  it('fails a document a stopped process left processing, so the page stops waiting for it', async () => {
    const stale = new Date(Date.now() - 16 * 60_000);
    const values = { clinic_id: staff.clinicId, mime_type: 'application/pdf' as const, size_bytes: 10, status: 'processing' as const };
    await database.db
      .insertInto('knowledge_documents')
      .values([
        { ...values, filename: 'abandoned.pdf', sha256: 'a'.repeat(64), created_at: stale, updated_at: stale },
        { ...values, filename: 'recent.pdf', sha256: 'b'.repeat(64) },
      ])
      .execute();
    const items = (await json(await api('/api/knowledge-base'))).items as Array<{
      filename: string;
      status: string;
      statusMessage: string | null;
    }>;
    expect(items.find((d) => d.filename === 'abandoned.pdf')).toMatchObject({
      status: 'failed',
      statusMessage: 'Processing was interrupted (the service restarted). Delete the document and upload it again.',
    });
    expect(items.find((d) => d.filename === 'recent.pdf')).toMatchObject({ status: 'processing', statusMessage: null });
  });

  it('refuses the same document twice', async () => {
    expect((await upload('faq.txt', FAQ, 'text/plain')).status).toBe(201);
    expect((await upload('faq-copy.txt', FAQ, 'text/plain')).status).toBe(409);
  });

  it('marks a PDF without text (a scan) as failed with the reason', async () => {
    const res = await upload('scan.pdf', pdfWithText([]), 'application/pdf');
    expect(res.status).toBe(201);
    expect((await json(res)).document).toMatchObject({ status: 'processing' });
    await eventually(async () =>
      expect((await json(await api('/api/knowledge-base'))).items[0]).toMatchObject({
        status: 'failed',
        statusMessage: expect.stringMatching(/No text/),
      }),
    );
  });

  it('deletes a document from the clinic and the platform; the query tool goes with the last one', async () => {
    const { document } = await json(await upload('faq.txt', FAQ, 'text/plain'));
    await eventually(async () => expect((await list())[0]?.status).toBe('ready'));
    const row = await database.db.selectFrom('knowledge_documents').select('provider_file_id').executeTakeFirstOrThrow();
    const toolId = (await clinicTool())!.provider_tool_id;

    const other = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
    expect((await other.api(`/api/knowledge-base/${document.id}`, { method: 'DELETE' })).status).toBe(404);

    expect((await api(`/api/knowledge-base/${document.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await list()).toEqual([]);
    expect(sandbox().files.has(row.provider_file_id!)).toBe(false);
    expect(sandbox().tools.has(toolId)).toBe(false);
    expect(await clinicTool()).toBeUndefined();
  });

  it('needs the CSRF token to upload', async () => {
    const form = new FormData();
    form.set('file', new Blob([FAQ]), 'faq.txt');
    const res = await api('/api/knowledge-base', { method: 'POST', body: form, headers: { 'x-csrf-token': 'wrong' } });
    expect(res.status).toBe(403);
  });
});
