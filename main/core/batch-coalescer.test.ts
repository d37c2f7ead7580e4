import { randomUUID } from 'node:crypto';
import type { LiveBatch } from '@voxanne/protocol';
import { describe, expect, it } from 'vitest';
import { callSummary, stamp, transcript } from '../test/live-events.js';
import { createTestClock } from '../test/test-clock.js';
import { BatchCoalescer } from './batch-coalescer.js';
import { EventIntake, RAW_HISTORY_LIMIT } from './event-intake.js';

describe('BatchCoalescer', () => {
  it('flushes the first event at once, then at most once per 500 ms', async () => {
    const clock = createTestClock();
    const batches: { at: number; batch: LiveBatch }[] = [];
    const coalescer = new BatchCoalescer(clock, (batch) => batches.push({ at: clock.now(), batch }));
    let seq = 0;
    coalescer.add(stamp({ kind: 'call.started', data: { call: callSummary() } }, ++seq));
    await clock.tick(0);
    expect(batches).toHaveLength(1);
    for (let i = 0; i < 10; i++) {
      coalescer.add(stamp({ kind: 'call.started', data: { call: callSummary() } }, ++seq));
      await clock.tick(100);
    }
    await clock.tick(500);
    expect(batches.map((b) => b.batch.events.length)).toEqual([1, 5, 5]);
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.at - batches[i - 1]!.at).toBeGreaterThanOrEqual(500);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps only the newest partial per call and speaker, and drops it when the final arrives', async () => {
    const clock = createTestClock();
    const batches: LiveBatch[] = [];
    const coalescer = new BatchCoalescer(clock, (batch) => batches.push(batch));
    const a = randomUUID();
    const b = randomUUID();
    let seq = 0;
    for (const e of [
      transcript(a, 'caller', 'partial', 'Hel'),
      transcript(b, 'caller', 'partial', 'Other call'),
      transcript(a, 'caller', 'partial', 'Hello'),
      transcript(a, 'caller', 'final', 'Hello there.'),
      transcript(a, 'caller', 'partial', 'I'),
    ])
      coalescer.add(stamp(e, ++seq));
    await clock.tick(0);
    expect(batches[0]?.events.map((e) => e.seq)).toEqual([2, 4, 5]);
  });
});

describe('EventIntake', () => {
  it('keeps the newest 100 raw events and refuses duplicates', () => {
    const intake = new EventIntake();
    const first = stamp({ kind: 'call.started', data: { call: callSummary() } }, 1);
    expect(intake.accept(first)).toBe(true);
    expect(intake.accept(first)).toBe(false);
    expect(intake.accept({ ...first, id: randomUUID() })).toBe(false);
    for (let seq = 2; seq <= 500; seq++) intake.accept(stamp({ kind: 'call.started', data: { call: callSummary() } }, seq));
    expect(intake.recent()).toHaveLength(RAW_HISTORY_LIMIT);
    expect(intake.recent()[0]?.seq).toBe(401);
    expect(intake.lastSeq).toBe(500);
  });
});
