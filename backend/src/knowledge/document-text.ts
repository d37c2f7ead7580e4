// What an uploaded knowledge document really is, judged by its bytes (not the name or the browser's
// Content-Type), and its text: PDFs through PDF.js in a worker thread (pdf-text.ts), text and
// Markdown as strict UTF-8.
import path from 'node:path';
import { KNOWLEDGE_EXTENSIONS } from '@voxanne/protocol';
import { AppError } from '../errors.js';
import { MAX_DOCUMENT_CHARS, type PdfReader } from './pdf-text.js';

export type KnowledgeMimeType = 'text/plain' | 'text/markdown' | 'application/pdf';

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

/**
 * The document's text; empty when a PDF has none (e.g. a scan). PDFs are read in a worker thread
 * (pdf-text.ts); text files are decoded here (already checked as UTF-8 by detectDocumentType).
 * Throws AppError with a readable reason when the document cannot be read.
 */
export async function documentText(type: KnowledgeMimeType, bytes: Buffer, pdf: PdfReader): Promise<string> {
  if (type !== 'application/pdf')
    return new TextDecoder('utf-8')
      .decode(bytes)
      .replace(/^\uFEFF/, '')
      .slice(0, MAX_DOCUMENT_CHARS);
  return storable(await pdf.text(bytes))
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .slice(0, MAX_DOCUMENT_CHARS);
}

/** PDF.js passes on whatever a font maps to: no NUL (PostgreSQL text cannot hold it) and no lone surrogates. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
