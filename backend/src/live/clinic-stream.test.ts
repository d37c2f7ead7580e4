// ClinicStream turns what the bus hands over (reordered, repeated, with holes) into one clinic's
// gap-free, duplicate-free, in-order stream. The log here is an in-memory list standing in for the
// `events` table; the hub's integration tests run the same class against the real database.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { LiveEvent } from '@voxanne/protocol';
import { ClinicStream, type ClinicStreamLog } from './clinic-stream.js';

const clinicId = randomUUID();
const event = (seq: number): LiveEvent => ({
  id: randomUUID(),
  clinicId,
  seq,
  at: new Date().toISOString(),
  kind: 'call.transcript',
  data: { callId: clinicId, speaker: 'caller', transcriptType: 'final', text: `#${seq}`, segmentId: null },
});

class MemoryLog implements ClinicStreamLog {
  readonly events: LiveEvent[] = [];
  reads = 0;
  failNext = 0;
  append(count: number): LiveEvent[] {
    const added = Array.from({ length: count }, (_, i) => event(this.events.length + i + 1));
    this.events.push(...added);
    return added;
  }
  async eventsAfter(afterSeq: number, limit: number): Promise<LiveEvent[]> {
    this.reads++;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('database unavailable');
    }
    return this.events.filter((e) => e.seq > afterSeq).slice(0, limit);
  }
  async lastSeq(): Promise<number> {
    return this.events.length;
  }
}

// Reads happen after real timers (a gap's grace, a failed read's 1 s pause): a loaded machine can
// stall those well past vi.waitFor's 1 s default, and the verdict never depends on how long they took.
const patience = { timeout: 15_000, interval: 10 };

async function streamOver(log: MemoryLog, options: { gapFillDelayMs?: number; maxPending?: number; pageSize?: number } = {}) {
  const delivered: number[] = [];
  const errors: unknown[] = [];
  const stream = new ClinicStream(log, (e) => delivered.push(e.seq), {
    gapFillDelayMs: options.gapFillDelayMs ?? 30,
    maxPending: options.maxPending,
    pageSize: options.pageSize,
    onError: (e) => errors.push(e),
  });
  return { stream, delivered, errors };
}

describe("ClinicStream: one clinic's events in order, once each, with no gap", () => {
  it("starts from the log's newest seq and delivers what follows, dropping repeats", async () => {
    const log = new MemoryLog();
    log.append(4);
    const { stream, delivered } = await streamOver(log);
    await stream.ready;
    expect(stream.deliveredSeq).toBe(4);
    const next = log.append(3);
    stream.receive(next);
    stream.receive(next);
    stream.receive([log.events[1]!]);
    expect(delivered).toEqual([5, 6, 7]);
    expect(log.reads).toBe(0);
  });

  it("puts two transactions' publishes that arrive swapped back in order without reading the log", async () => {
    const log = new MemoryLog();
    const { stream, delivered } = await streamOver(log);
    await stream.ready;
    const [first, second] = log.append(2);
    stream.receive([second!]);
    expect(delivered).toEqual([]);
    stream.receive([first!]);
    expect(delivered).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 60));
    expect(log.reads).toBe(0);
  });

  it('reads a lost publish from the log once the next event shows the hole', async () => {
    const log = new MemoryLog();
    const { stream, delivered } = await streamOver(log);
    await stream.ready;
    const events = log.append(5);
    stream.receive([events[0]!]);
    stream.receive([events[3]!, events[4]!]); // 2 and 3 were never published
    expect(delivered).toEqual([1]);
    await vi.waitFor(() => expect(delivered).toEqual([1, 2, 3, 4, 5]), patience);
    expect(log.reads).toBe(1);
    expect(stream.pendingCount).toBe(0);
  });

  it('recovers a lost publish at the tail when the counter says the log is ahead', async () => {
    const log = new MemoryLog();
    const { stream, delivered } = await streamOver(log);
    await stream.ready;
    log.append(3);
    stream.noteLastSeq(3);
    await vi.waitFor(() => expect(delivered).toEqual([1, 2, 3]), patience);
    stream.noteLastSeq(3); // nothing new: no read
    await new Promise((r) => setTimeout(r, 60));
    expect(log.reads).toBe(1);
  });

  it('holds events that arrive while it reads its starting point', async () => {
    const log = new MemoryLog();
    log.append(2);
    const { stream, delivered } = await streamOver(log);
    // The starting read is in flight: an old event and two new ones arrive.
    stream.receive([log.events[1]!, ...log.append(2)]);
    await stream.ready;
    expect(delivered).toEqual([3, 4]);
  });

  it('reads at once instead of holding more than maxPending out-of-order events', async () => {
    const log = new MemoryLog();
    const { stream, delivered } = await streamOver(log, { gapFillDelayMs: 60_000, maxPending: 10, pageSize: 4 });
    await stream.ready;
    const events = log.append(30);
    stream.receive(events.slice(1, 11)); // 1 is lost; 10 waiting reach the bound
    await vi.waitFor(() => expect(delivered).toHaveLength(11), patience);
    stream.receive(events.slice(11));
    expect(delivered).toEqual(events.map((e) => e.seq));
    expect(stream.pendingCount).toBe(0);
    stream.close();
  });

  it('keeps trying when the log cannot be read, then fills the hole', async () => {
    const log = new MemoryLog();
    const { stream, delivered, errors } = await streamOver(log, { gapFillDelayMs: 10 });
    await stream.ready;
    const events = log.append(3);
    log.failNext = 1;
    stream.receive([events[2]!]);
    await vi.waitFor(() => expect(delivered).toEqual([1, 2, 3]), patience);
    expect(errors).toHaveLength(1);
    stream.close();
  });
});
