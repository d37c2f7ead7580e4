// Coalesces live events into batches for the renderer: at most one batch per 500 ms, with a
// partial transcript dropped from the batch as soon as a newer partial or the final of the same call
// and speaker is in it, so a fast talker does not make the UI re-render every word.
import type { LiveBatch, LiveEvent } from '@voxanne/protocol';
import type { Clock, TimerHandle } from './ports.js';

export const BATCH_INTERVAL_MS = 500;

export class BatchCoalescer {
  private pending: (LiveEvent | null)[] = [];
  /** Index in `pending` of the newest partial per `callId|speaker`. */
  private readonly partialAt = new Map<string, number>();
  private resyncRequired = false;
  private timer: TimerHandle | null = null;
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly emit: (batch: LiveBatch) => void,
    private readonly intervalMs = BATCH_INTERVAL_MS,
  ) {}

  add(event: LiveEvent): void {
    if (event.kind === 'call.transcript') {
      const key = `${event.data.callId}|${event.data.speaker}`;
      const superseded = this.partialAt.get(key);
      if (superseded !== undefined) this.pending[superseded] = null;
      if (event.data.transcriptType === 'partial') this.partialAt.set(key, this.pending.length);
      else this.partialAt.delete(key);
    }
    this.pending.push(event);
    this.schedule();
  }

  /** The renderer must reload over REST; goes out with the next batch. */
  requireResync(): void {
    this.resyncRequired = true;
    this.schedule();
  }

  /** Drops what is pending (sign-out). */
  reset(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    this.partialAt.clear();
    this.resyncRequired = false;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastFlushAt + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    // Timers may fire a millisecond early against the wall clock; the 500 ms bound is a promise.
    const early = this.lastFlushAt + this.intervalMs - this.clock.now();
    if (early > 0) {
      this.timer = this.clock.setTimeout(() => this.flush(), early);
      return;
    }
    const events = this.pending.filter((e): e is LiveEvent => e !== null);
    const batch: LiveBatch = { events, resyncRequired: this.resyncRequired };
    this.pending = [];
    this.partialAt.clear();
    this.resyncRequired = false;
    if (events.length > 0 || batch.resyncRequired) this.emit(batch);
    // Measured after the hand-over (which validates and sends the batch), so the renderer sees
    // batches at least 500 ms apart even when a big one takes a while to go out.
    this.lastFlushAt = this.clock.now();
  }
}
