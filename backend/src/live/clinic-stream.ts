// ClinicStream: one clinic's events on this instance as a gap-free, duplicate-free stream in seq order.
//
// The bus is best-effort: after-commit publishes of two transactions can arrive out of order, a
// publish can be lost (a writer crashed between commit and publish, Redis was down), and the same
// event can arrive twice (local delivery plus a catch-up read). Seqs are gap-free in the log (a seq
// is taken under the clinic's counter row lock, so N+1 exists only once N has committed), which makes
// "the next expected seq" a complete description of where the stream is: an event ahead of it waits
// briefly for the missing ones, and when they do not come they are read from the log.
import type { LiveEvent } from '@voxanne/protocol';

export interface ClinicStreamLog {
  /** Events after `afterSeq`, in seq order, at most `limit`. */
  eventsAfter(afterSeq: number, limit: number): Promise<LiveEvent[]>;
  /** The newest committed seq. */
  lastSeq(): Promise<number>;
}

export interface ClinicStreamOptions {
  /** How long an out-of-order event waits for the ones before it before they are read from the log. */
  gapFillDelayMs: number;
  /** Out-of-order events kept while waiting; past this the log is read at once. */
  maxPending?: number;
  /** Page size for log reads. */
  pageSize?: number;
  onError?: (error: unknown) => void;
}

const DEFAULT_MAX_PENDING = 1_000;
const DEFAULT_PAGE_SIZE = 500;

export class ClinicStream {
  /** The seq of the newest event handed to `deliver`; null until the stream has read its start. */
  private delivered: number | null = null;
  /** The newest seq known to exist (seen on the bus or read from the counter). */
  private knownLast = 0;
  private readonly pending = new Map<number, LiveEvent>();
  private fillTimer: NodeJS.Timeout | null = null;
  private filling: Promise<void> | null = null;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly log: ClinicStreamLog,
    /** Called once per event, strictly in seq order, never twice for one seq. */
    private readonly deliver: (event: LiveEvent) => void,
    private readonly options: ClinicStreamOptions,
  ) {
    // Anything the bus hands over while the start is being read waits in `pending`.
    this.ready = log.lastSeq().then((last) => {
      if (this.closed) return;
      this.delivered = last;
      this.knownLast = Math.max(this.knownLast, last);
      this.drainPending();
    });
  }

  /** The newest seq delivered (0 before any); valid once `ready` resolved. */
  get deliveredSeq(): number {
    return this.delivered ?? 0;
  }

  /** Events from the bus: one clinic's, usually in order, possibly repeated, reordered or with holes. */
  receive(events: readonly LiveEvent[]): void {
    if (this.closed) return;
    for (const event of events) {
      this.knownLast = Math.max(this.knownLast, event.seq);
      if (this.delivered === null) {
        this.pending.set(event.seq, event);
      } else if (event.seq === this.delivered + 1) {
        this.delivered = event.seq;
        this.deliver(event);
      } else if (event.seq > this.delivered + 1) {
        this.pending.set(event.seq, event);
      }
    }
    this.drainPending();
  }

  /** The log holds events up to `seq` (a counter read, or the bus saying it may have dropped some). */
  noteLastSeq(seq: number): void {
    if (this.closed || seq <= this.knownLast) return;
    this.knownLast = seq;
    this.scheduleFill();
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
    if (this.fillTimer) clearTimeout(this.fillTimer);
    this.fillTimer = null;
  }

  /** For tests and diagnostics: nothing here may grow without bound. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private drainPending(): void {
    if (this.delivered === null) return;
    for (const seq of this.pending.keys()) if (seq <= this.delivered) this.pending.delete(seq);
    let next = this.pending.get(this.delivered + 1);
    while (next) {
      this.pending.delete(next.seq);
      this.delivered = next.seq;
      this.deliver(next);
      next = this.pending.get(this.delivered + 1);
    }
    this.scheduleFill();
  }

  private scheduleFill(): void {
    if (this.closed || this.delivered === null || this.filling) return;
    if (this.knownLast <= this.delivered) {
      if (this.fillTimer) clearTimeout(this.fillTimer);
      this.fillTimer = null;
      return;
    }
    if (this.pending.size >= (this.options.maxPending ?? DEFAULT_MAX_PENDING)) {
      if (this.fillTimer) clearTimeout(this.fillTimer);
      this.fillTimer = null;
      this.startFill();
      return;
    }
    if (this.fillTimer) return;
    this.fillTimer = setTimeout(() => {
      this.fillTimer = null;
      this.startFill();
    }, this.options.gapFillDelayMs);
    this.fillTimer.unref();
  }

  private startFill(): void {
    if (this.closed || this.filling || this.delivered === null || this.knownLast <= this.delivered) return;
    this.filling = this.fillFromLog()
      .catch((error: unknown) => {
        this.options.onError?.(error);
        // The database may be briefly away: try again later rather than spin.
        this.pending.clear();
        return new Promise<void>((resolve) => setTimeout(resolve, Math.max(this.options.gapFillDelayMs, 1_000)).unref());
      })
      .finally(() => {
        this.filling = null;
        this.scheduleFill();
      });
  }

  private async fillFromLog(): Promise<void> {
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    while (!this.closed && this.delivered !== null && this.delivered < this.knownLast) {
      const page = await this.log.eventsAfter(this.delivered, pageSize);
      if (this.closed) return;
      // Live arrivals may have moved `delivered` on while we read: receive() skips what it has.
      this.receive(page);
      if (page.length < pageSize) {
        // The log ends here: whatever seq we heard of beyond it is not there (a different database).
        if (this.delivered < this.knownLast && page.length === 0) this.knownLast = this.delivered;
        return;
      }
    }
  }
}
