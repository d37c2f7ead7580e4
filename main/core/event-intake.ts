// What the live connection keeps of the events it receives: the ids it has seen (to drop
// duplicates from replays and reconnects) and a bounded history of raw messages.
import type { LiveEvent } from '@voxanne/protocol';

/** At most this many raw events are kept in memory. */
export const RAW_HISTORY_LIMIT = 100;
/** How many recent ids are remembered for de-duplication; seq order covers anything older. */
export const SEEN_IDS_LIMIT = 1_000;

export class EventIntake {
  private readonly seenIds = new Set<string>();
  private readonly history: LiveEvent[] = [];
  private newestSeq = 0;

  constructor(startSeq = 0) {
    this.newestSeq = startSeq;
  }

  get lastSeq(): number {
    return this.newestSeq;
  }

  /** Moves the resume point (hello on a first connect, resync-required). */
  resetSeq(seq: number): void {
    this.newestSeq = seq;
  }

  /** True when the event is new; false for a duplicate (seen id, or a seq at or below the newest). */
  accept(event: LiveEvent): boolean {
    if (this.seenIds.has(event.id) || event.seq <= this.newestSeq) return false;
    this.seenIds.add(event.id);
    if (this.seenIds.size > SEEN_IDS_LIMIT) {
      // Sets iterate in insertion order: the first entry is the oldest.
      const oldest = this.seenIds.values().next().value;
      if (oldest !== undefined) this.seenIds.delete(oldest);
    }
    this.newestSeq = event.seq;
    this.history.push(event);
    if (this.history.length > RAW_HISTORY_LIMIT) this.history.shift();
    return true;
  }

  recent(): readonly LiveEvent[] {
    return this.history;
  }

  get seenIdCount(): number {
    return this.seenIds.size;
  }

  clear(): void {
    this.seenIds.clear();
    this.history.length = 0;
    this.newestSeq = 0;
  }
}
