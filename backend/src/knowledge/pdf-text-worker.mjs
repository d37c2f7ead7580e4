// The PDF reader, in a worker thread of its own (pdf-text.ts starts one per document, with a heap
// limit, and kills it on a wall-clock timeout): a PDF is untrusted input whose parsing can cost
// unbounded CPU and memory, and none of that may happen on the thread that answers requests.
//
// Plain JavaScript on purpose: a worker's entry file is loaded by Node itself, without the TypeScript
// loader the rest of the source runs under, and the same file ships beside the bundle (dist/).
//
// Before PDF.js sees the document, every stream's decoded size is counted with zlib against a budget
// (a "decompression bomb" of zeros is refused after inflating the budget, not the whole). PDF.js then
// reads at most `maxPages` pages and stops as soon as `maxChars` characters are in hand. The thread
// runs at a low CPU priority (Linux), below the threads that answer requests.
//
// In:  workerData {maxInflatedBytes, maxPages, maxChars}; one message {bytes: ArrayBuffer}.
// Out: one message: {ok: true, text} | {ok: false, reason: 'inflated'|'pages'|'encrypted'|'lzw'|'unreadable'}.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';

const { maxInflatedBytes, maxPages, maxChars } = workerData;

// PDF.js reports font and syntax trouble on the console; each line would cross to the main thread
// to be thrown away there. Nothing here is for the log: the outcome is the one message posted back.
// eslint-disable-next-line no-console -- silencing the console, not logging through it
for (const method of ['log', 'info', 'warn', 'error', 'debug']) console[method] = () => undefined;

// Reading a document may wait; answering requests may not. On Linux a thread has its own nice value:
// at 5 this one gets about a third of the CPU a busy request thread gets (bench/knowledge-upload), yet
// is not starved into its timeout on a busy server.
try {
  os.setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), 5);
} catch {
  // not Linux: it runs at the process's priority
}

class Refusal extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

parentPort.once('message', ({ bytes }) => {
  read(Buffer.from(bytes)).then(
    (text) => parentPort.postMessage({ ok: true, text }),
    (error) => parentPort.postMessage({ ok: false, reason: error instanceof Refusal ? error.reason : 'unreadable' }),
  );
});

async function read(pdf) {
  if (/\/Encrypt\s*(\d+\s+\d+\s+R|<<)/.test(trailers(pdf))) throw new Refusal('encrypted');
  await countInflatedBytes(pdf);
  // PDF.js is loaded only once the document has passed the count.
  const { getDocumentProxy } = await import('unpdf');
  const doc = await getDocumentProxy(new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength), {
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    verbosity: 0,
  });
  if (doc.numPages > maxPages) throw new Refusal('pages');
  let text = '';
  for (let number = 1; number <= doc.numPages && text.length < maxChars; number++) {
    const page = await doc.getPage(number);
    const content = await page.getTextContent();
    for (const item of content.items) {
      if (item.str === undefined) continue;
      text += item.str + (item.hasEOL ? '\n' : '');
      if (text.length >= maxChars) break;
    }
    text += '\n';
    page.cleanup();
  }
  return text.slice(0, maxChars);
}

/** The trailer dictionaries and cross-reference stream dictionaries, where /Encrypt lives. */
function trailers(pdf) {
  const latin1 = pdf.toString('latin1');
  const parts = [];
  for (const match of latin1.matchAll(/trailer|\/Type\s*\/XRef/g)) parts.push(latin1.slice(match.index, match.index + 2048));
  return parts.join('\n');
}

/**
 * Adds up the decoded size of every stream (FlateDecode, chains included; the text-only filters at
 * their input size) and throws Refusal('inflated') as soon as it passes the budget. LZW, which zlib
 * cannot count and which expands as much as Flate, is refused outright.
 *
 * Inflation streams in 64 KB pieces that are counted and dropped, so a bomb costs the same little
 * memory whatever it expands to (bench/knowledge-upload measured +58 to +72 MB of RSS when the budget
 * was inflated into one buffer instead).
 */
async function countInflatedBytes(pdf) {
  let left = maxInflatedBytes;
  const spend = (bytes) => {
    left -= bytes;
    if (left < 0) throw new Refusal('inflated');
  };
  for (const stream of streams(pdf)) {
    const filters = stream.filters;
    if (filters.some((f) => f === 'LZWDecode' || f === 'LZW')) throw new Refusal('lzw');
    let data = stream.data;
    for (const [index, filter] of filters.entries()) {
      if (filter !== 'FlateDecode' && filter !== 'Fl') {
        spend(data.length); // ASCIIHex/85, RunLength and image codecs: not worth decoding to count
        break;
      }
      // A chain needs the decoded bytes for its next filter; the last stage is only counted.
      const keep = index < filters.length - 1;
      data = await inflateCounting(data, spend, keep);
      if (!keep) break;
    }
  }
}

/** Inflates `data` in small pieces, charging each to `spend`; keeps the output only when asked to. */
function inflateCounting(data, spend, keep) {
  return new Promise((resolve, reject) => {
    const inflate = zlib.createInflate({ chunkSize: 64 * 1024, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const kept = [];
    inflate.on('data', (chunk) => {
      try {
        spend(chunk.length);
      } catch (refusal) {
        inflate.destroy();
        reject(refusal);
        return;
      }
      if (keep) kept.push(chunk);
    });
    // A damaged stream counts what it yielded: PDF.js gets no further with it either.
    inflate.on('error', () => resolve(Buffer.concat(kept)));
    inflate.on('end', () => resolve(Buffer.concat(kept)));
    inflate.end(data);
  });
}

/** Every `stream … endstream` body with its dictionary's filters, found by scanning the bytes. */
function* streams(pdf) {
  const STREAM = Buffer.from('stream');
  const END = Buffer.from('endstream');
  let from = 0;
  for (;;) {
    const at = pdf.indexOf(STREAM, from);
    if (at < 0) return;
    from = at + STREAM.length;
    if (at >= 3 && pdf.toString('latin1', at - 3, at) === 'end') continue;
    let start = from;
    if (pdf[start] === 0x0d) start++;
    if (pdf[start] === 0x0a) start++;
    else if (start === from) continue; // "stream" inside some other word
    const dictionary = pdf.toString('latin1', Math.max(0, at - 4096), at);
    const objectStart = dictionary.lastIndexOf(' obj');
    const dict = objectStart >= 0 ? dictionary.slice(objectStart) : dictionary;
    const length = /\/Length\s+(\d+)\b(?!\s+\d+\s+R)/.exec(dict);
    let end = length ? start + Number(length[1]) : -1;
    if (end < start || end > pdf.length || pdf.indexOf(END, end) < 0 || pdf.indexOf(END, end) - end > 4) end = pdf.indexOf(END, start);
    if (end < 0) end = pdf.length;
    from = end;
    yield { filters: filtersOf(dict), data: pdf.subarray(start, end) };
  }
}

function filtersOf(dict) {
  const match = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dict);
  if (!match) return [];
  return [...match[1].matchAll(/\/([A-Za-z0-9]+)/g)].map((m) => m[1]);
}
