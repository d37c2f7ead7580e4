// The PDF reader's limits, with real worker threads and generated PDFs: a decompression bomb (single
// and chained Flate) is refused after inflating the budget, not all of it; the page and character caps
// hold; encrypted and LZW files are refused; and a worker is killed when it passes the wall-clock
// timeout, its heap limit or the process's memory allowance. Every refusal is a readable sentence.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { PDF_LIMITS, PdfReader, type PdfLimits } from './pdf-text.js';
import { pdfBomb, pdfWithPages, pdfWithText } from '../../test/support/pdf.js';

const MB = 1024 * 1024;
const reader = (limits: Partial<PdfLimits> = {}) => new PdfReader({ ...PDF_LIMITS, ...limits });
let bomb: Promise<Buffer> | undefined;
/** Made once per file: compressing 1 GB of zeros takes seconds. */
const gigabyteBomb = () => (bomb ??= pdfBomb(1024 * MB));

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return (error as AppError).message;
}

/** Replaces text in a generated PDF's trailer (after the xref table: its offsets stay right). */
function withTrailer(pdf: Buffer, from: string, to: string): Buffer {
  const text = pdf.toString('latin1');
  expect(text).toContain(from);
  return Buffer.from(text.replace(from, to), 'latin1');
}

// Workers run at a low CPU priority: on a busy shared machine they take their time.
describe('reading a PDF in a worker thread', { timeout: 120_000 }, () => {
  it('reads the text of an ordinary PDF', async () => {
    const pdf = reader();
    expect(await pdf.text(pdfWithText(['Blood tests cost 40 pounds.', 'Travel vaccines cost 60 pounds.']))).toContain(
      'Travel vaccines cost 60 pounds.',
    );
    expect(pdf.stats).toEqual({ started: 1, killed: 0 });
  });

  it('refuses a decompression bomb after inflating its budget, not the whole of it', async () => {
    // 1 MB on disk, 1 GB of zeros inflated: the reported attack.
    const bomb = await gigabyteBomb();
    expect(bomb.length).toBeLessThan(1.1 * MB);
    expect(await refusal(reader().text(bomb))).toBe('This PDF could not be read: it expands to more than 64 MB.');
  });

  it('counts chained filters too: Flate inside Flate', async () => {
    const inner = zlib.deflateSync(Buffer.alloc(200 * MB), { level: 9 });
    const outer = zlib.deflateSync(inner, { level: 9 });
    const pdf = pdfWithText(['x']).toString('latin1');
    // Swap the content stream for the doubly compressed zeros.
    const start = pdf.indexOf('stream\n') + 'stream\n'.length;
    const end = pdf.indexOf('\nendstream');
    const header = pdf.slice(0, start).replace(/\/Length \d+/, `/Length ${outer.length} /Filter [/FlateDecode /FlateDecode]`);
    const chained = Buffer.concat([Buffer.from(header, 'latin1'), outer, Buffer.from(pdf.slice(end), 'latin1')]);
    expect(await refusal(reader({ maxInflatedBytes: 16 * MB }).text(chained))).toBe(
      'This PDF could not be read: it expands to more than 16 MB.',
    );
  });

  it('refuses more pages than the cap', async () => {
    expect(await refusal(reader({ maxPages: 3 }).text(pdfWithPages(4, ['Page text'])))).toBe(
      'This PDF could not be read: it has more than 3 pages.',
    );
    expect(await reader({ maxPages: 3 }).text(pdfWithPages(3, ['Page text']))).toContain('Page text');
  });

  it('stops reading at the character cap', async () => {
    const text = await reader({ maxChars: 120 }).text(pdfWithPages(50, ['A fairly long line of clinic handbook text, repeated.']));
    expect(text.length).toBe(120);
  });

  it('refuses encrypted PDFs and the LZW compression it cannot count', async () => {
    const plain = pdfWithText(['Secret']);
    const encrypted = withTrailer(plain, '/Root 1 0 R >>', '/Root 1 0 R /Encrypt 9 0 R >>');
    expect(await refusal(reader().text(encrypted))).toMatch(/password-protected or encrypted/);
    const bomb = await pdfBomb(MB, '/LZWDecode ');
    expect(await refusal(reader().text(bomb))).toMatch(/old compression \(LZW\)/);
  });

  it('kills the worker when it runs past the wall-clock timeout', async () => {
    const pdf = reader({ timeoutMs: 1 });
    expect(await refusal(pdf.text(pdfWithText(['x'])))).toBe('This PDF could not be read: it took longer than 0 seconds to read.');
    expect(pdf.stats).toEqual({ started: 1, killed: 1 });
  });

  it('kills the worker when it passes its heap limit', async () => {
    // Loading PDF.js alone needs more than 2 MB of heap.
    const pdf = reader({ maxHeapMb: 2 });
    expect(await refusal(pdf.text(pdfWithText(['x'])))).toMatch(/^This PDF could not be read: it needs more than \d+ MB of memory\.$/);
    expect(pdf.stats.killed).toBe(1);
  });

  it('kills the worker when the process grows past its memory allowance', async () => {
    // A bomb under a huge inflation budget keeps the worker busy for seconds; a worker thread alone
    // adds more than 1 MB of resident memory, so the first check ends it.
    const pdf = reader({ maxInflatedBytes: 4096 * MB, maxRssGrowthBytes: MB });
    expect(await refusal(pdf.text(await gigabyteBomb()))).toBe('This PDF could not be read: it needs more than 1 MB of memory.');
    expect(pdf.stats).toEqual({ started: 1, killed: 1 });
  });

  it('reads one document at a time and refuses beyond a short queue', async () => {
    const pdf = new PdfReader(PDF_LIMITS, 1, 1);
    const first = pdf.text(pdfWithText(['first']));
    const second = pdf.text(pdfWithText(['second']));
    const third = pdf.text(pdfWithText(['third']));
    expect(await refusal(third)).toMatch(/Too many documents are being read right now/);
    expect(await first).toContain('first');
    expect(await second).toContain('second');
    expect(pdf.stats.started).toBe(2);
  });
});
