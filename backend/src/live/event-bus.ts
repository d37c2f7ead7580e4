// Fan-out of committed live events to every instance's WebSocket hub. In-process by default; the
// Redis implementation (REDIS_URL) lets several stateless instances share one stream. The bus is
// best-effort: the event log is the source of truth and clients resume from it by seq.
import type { LiveEvent } from '@voxanne/protocol';

export type LiveEventListener = (events: LiveEvent[]) => void;

export interface LiveEventBus {
  /** Events of one clinic, in seq order, already committed to the log. */
  publish(events: LiveEvent[]): void;
  subscribe(listener: LiveEventListener): () => void;
  /**
   * Called when the bus may have dropped events (its connection was lost and is back): subscribers
   * re-read the log from where they are.
   */
  onMissedEvents(listener: () => void): () => void;
  /** For /health; rejects with the reason when fan-out is impaired. */
  check(): Promise<Record<string, unknown> | void>;
  close(): Promise<void>;
}

export class InProcessEventBus implements LiveEventBus {
  private readonly listeners = new Set<LiveEventListener>();

  publish(events: LiveEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) listener(events);
  }

  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onMissedEvents(): () => void {
    // Nothing in process is ever dropped.
    return () => undefined;
  }

  async check(): Promise<Record<string, unknown>> {
    return { kind: 'in-process' };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
