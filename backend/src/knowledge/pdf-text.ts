// A PDF's text, read off the main thread: each document gets a worker thread (pdf-text-worker.mjs)
// with a heap limit, a wall-clock timeout and a watch on the process's resident memory, and is killed
// when it passes any of them. Inside, the worker counts every stream's inflated size before PDF.js
// sees the file, reads at most `maxPages` pages and stops at `maxChars` characters.
//
// A 1 MB PDF whose content stream inflates to hundreds of MB used to block the event loop for ~90 s
// (every clinic's requests, webhooks and live sockets) and add 200+ MB of RSS. One document is read
// at a time per process; a short queue waits behind it, and past that a document is refused.
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';

export interface PdfLimits {
  /** Decoded size of all the file's streams together. */
  maxInflatedBytes: number;
  maxPages: number;
  /** Reading stops once this many characters are in hand. */
  maxChars: number;
  timeoutMs: number;
  /** The worker's V8 heap (old generation). */
  maxHeapMb: number;
  /** The whole process's resident memory may grow this much while a document is read. */
  maxRssGrowthBytes: number;
}

const MB = 1024 * 1024;

/** Longest text kept per document; a clinic handbook is far below this. */
export const MAX_DOCUMENT_CHARS = 2_000_000;

export const PDF_LIMITS: PdfLimits = {
  maxInflatedBytes: 64 * MB,
  maxPages: 500,
  maxChars: MAX_DOCUMENT_CHARS,
  timeoutMs: 30_000,
  maxHeapMb: 128,
  maxRssGrowthBytes: 256 * MB,
};

const WORKER_FILE = new URL('./pdf-text-worker.mjs', import.meta.url);
const RSS_CHECK_MS = 100;

type WorkerAnswer = { ok: true; text: string } | { ok: false; reason: 'inflated' | 'pages' | 'encrypted' | 'lzw' | 'unreadable' };

export class PdfReader {
  /** Counts for tests and the bench: workers started, and workers killed on a limit. */
  readonly stats = { started: 0, killed: 0 };
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limits: PdfLimits = PDF_LIMITS,
    private readonly concurrency = 1,
    private readonly maxWaiting = 20,
  ) {}

  /** The document's text (possibly empty), or an AppError whose message says why it cannot be read. */
  async text(bytes: Buffer): Promise<string> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new AppError('unavailable', 'Too many documents are being read right now. Delete this one and upload it again in a minute.');
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await this.read(bytes);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private read(bytes: Buffer): Promise<string> {
    const { limits } = this;
    const worker = new Worker(WORKER_FILE, {
      workerData: { maxInflatedBytes: limits.maxInflatedBytes, maxPages: limits.maxPages, maxChars: limits.maxChars },
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      // Plain JavaScript: none of the parent's loaders or conditions. The worker silences its console;
      // anything else written still goes nowhere.
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    this.stats.started++;
    worker.stdout.resume();
    worker.stderr.resume();
    const startRss = process.memoryUsage.rss();
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: { text: string } | { error: AppError; killed?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(rssWatch);
        if ('error' in outcome && outcome.killed) this.stats.killed++;
        void worker.terminate();
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.text);
      };
      const timer = setTimeout(
        () => finish({ error: cannotRead(`it took longer than ${Math.round(limits.timeoutMs / 1000)} seconds to read`), killed: true }),
        limits.timeoutMs,
      );
      const rssWatch = setInterval(() => {
        if (process.memoryUsage.rss() - startRss > limits.maxRssGrowthBytes) finish({ error: tooBig(limits), killed: true });
      }, RSS_CHECK_MS);
      worker.once('message', (answer: WorkerAnswer) => {
        finish(answer.ok ? { text: answer.text } : { error: refusal(answer.reason, limits) });
      });
      worker.once('error', (error: NodeJS.ErrnoException) => {
        finish({ error: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooBig(limits) : refusal('unreadable', limits), killed: true });
      });
      worker.once('exit', () => finish({ error: refusal('unreadable', limits) }));
      // A copy the worker owns (multer's buffer may share its memory with others).
      const copy = new Uint8Array(bytes).buffer;
      worker.postMessage({ bytes: copy }, [copy]);
    });
  }
}

function cannotRead(why: string): AppError {
  return new AppError('unsupported_media_type', `This PDF could not be read: ${why}.`);
}

function tooBig(limits: PdfLimits): AppError {
  return cannotRead(`it needs more than ${Math.round(limits.maxRssGrowthBytes / MB)} MB of memory`);
}

function refusal(reason: Extract<WorkerAnswer, { ok: false }>['reason'], limits: PdfLimits): AppError {
  switch (reason) {
    case 'inflated':
      return cannotRead(`it expands to more than ${Math.round(limits.maxInflatedBytes / MB)} MB`);
    case 'pages':
      return cannotRead(`it has more than ${limits.maxPages} pages`);
    case 'encrypted':
      return cannotRead('it is password-protected or encrypted. Save an unprotected copy and upload that');
    case 'lzw':
      return cannotRead('it uses an old compression (LZW). Save it again as a new PDF and upload that');
    default:
      return new AppError('unsupported_media_type', 'This PDF could not be read. It may be damaged.');
  }
}
