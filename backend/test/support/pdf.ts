// Minimal, valid one-page PDFs built byte by byte, so tests need no PDF library and no binary fixture
// files: one with lines of text (Helvetica), and "decompression bombs" whose page content is a
// FlateDecode stream of zeros that inflates to far more than the file's size.
import zlib from 'node:zlib';

export function pdfWithText(lines: string[]): Buffer {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = ['BT', '/F1 12 Tf', '72 720 Td', '14 TL', ...lines.map((l) => `(${escape(l)}) '`), 'ET'].join('\n');
  return onePagePdf(Buffer.from(content, 'latin1'));
}

/** A one-page PDF with `pages` copies of the page (each with the same lines of text). */
export function pdfWithPages(pages: number, lines: string[]): Buffer {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = Buffer.from(
    ['BT', '/F1 12 Tf', '72 720 Td', '14 TL', ...lines.map((l) => `(${escape(l)}) '`), 'ET'].join('\n'),
    'latin1',
  );
  return pdf(content, '', pages);
}

/**
 * A PDF whose page content is `inflatedBytes` zero bytes, FlateDecode-compressed (about 1/1000 of that
 * on disk): a 1 MB file that expands to ~1 GB. Compressed in 1 MB steps, so the test never holds the
 * inflated bytes itself.
 */
export async function pdfBomb(inflatedBytes: number, filter = '/FlateDecode'): Promise<Buffer> {
  const deflate = zlib.createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = inflatedBytes; left > 0; left -= zeros.length) {
    if (!deflate.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) {
      await new Promise((resolve) => deflate.once('drain', resolve));
    }
  }
  deflate.end();
  await done;
  return onePagePdf(Buffer.concat(chunks), ` /Filter ${filter}`);
}

function onePagePdf(content: Buffer, contentDictionary = ''): Buffer {
  return pdf(content, contentDictionary, 1);
}

/** Catalog, pages, `pageCount` pages sharing one content stream, Helvetica; a correct xref table. */
function pdf(content: Buffer, contentDictionary: string, pageCount: number): Buffer {
  const firstPage = 5;
  const kids = Array.from({ length: pageCount }, (_, i) => `${firstPage + i} 0 R`).join(' ');
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from(`<< /Type /Pages /Kids [${kids}] /Count ${pageCount} >>`),
    Buffer.concat([Buffer.from(`<< /Length ${content.length}${contentDictionary} >>\nstream\n`), content, Buffer.from('\nendstream')]),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    ...Array.from({ length: pageCount }, () =>
      Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>'),
    ),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const object = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    parts.push(object);
    length += object.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)];
  parts.push(Buffer.from(`${xref.join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`));
  return Buffer.concat(parts);
}
