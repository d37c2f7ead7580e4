// What an uploaded knowledge document really is, judged by its bytes (not the name or the browser's
// Content-Type), and its text: PDFs through unpdf (PDF.js), text and Markdown as strict UTF-8.
import path from 'node:path';
import { KNOWLEDGE_EXTENSIONS } from '@voxanne/protocol';
import { AppError } from '../errors.js';

export type KnowledgeMimeType = 'text/plain' | 'text/markdown' | 'application/pdf';

/** Longest text kept per document; a clinic handbook is far below this. */
export const MAX_DOCUMENT_CHARS = 2_000_000;

const PDF_MAGIC = Buffer.from('%PDF-');

/** Control characters that never occur in real text files (NUL and friends): a sign of binary content. */
function hasBinaryControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) return true;
  }
  return false;
}

export function detectDocumentType(filename: string, bytes: Buffer): KnowledgeMimeType {
  const extension = path.extname(filename).toLowerCase();
  if (!(KNOWLEDGE_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new AppError('unsupported_media_type', `Upload a .txt, .md or .pdf file (${extension || 'no extension'} is not supported).`);
  }
  const isPdf = bytes.subarray(0, 5).equals(PDF_MAGIC);
  if (extension === '.pdf') {
    if (!isPdf) throw new AppError('unsupported_media_type', 'This file is named .pdf but is not a PDF.');
    return 'application/pdf';
  }
  if (isPdf) throw new AppError('unsupported_media_type', 'This file is a PDF; upload it with a .pdf name.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('unsupported_media_type', 'Text files must be UTF-8 encoded. Save the file as UTF-8 and try again.');
  }
  if (hasBinaryControl(text)) throw new AppError('unsupported_media_type', 'This file does not contain plain text.');
  return extension === '.txt' ? 'text/plain' : 'text/markdown';
}

/** The document's text; empty when a PDF has none (e.g. a scan). Throws for a broken PDF. */
export async function documentText(type: KnowledgeMimeType, bytes: Buffer): Promise<string> {
  if (type !== 'application/pdf')
    return new TextDecoder('utf-8')
      .decode(bytes)
      .replace(/^\uFEFF/, '')
      .slice(0, MAX_DOCUMENT_CHARS);
  // PDF.js is loaded with the first PDF, not at start-up: most instances rarely see one.
  const { extractText, getDocumentProxy } = await import('unpdf');
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    const { text } = await extractText(pdf, { mergePages: true });
    return text
      .replace(/[ \t]+\n/g, '\n')
      .trim()
      .slice(0, MAX_DOCUMENT_CHARS);
  } catch {
    throw new AppError('unsupported_media_type', 'This PDF could not be read. It may be damaged or password-protected.');
  }
}
