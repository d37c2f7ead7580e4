// Fake timers for main/core, injected through the Clock port: the core's backoff, refresh,
// heartbeat, coalescing and auto-lock timers move only when a test ticks, while the real sockets
// and servers in the same test keep running on real time.
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../core/ports.js';

export interface TestClock extends Clock {
  /** Advances fake time, running due timers and letting promises settle in between. */
  tick(ms: number): Promise<void>;
  /** Moves "now" without running any timer (a laptop lid closed, or a stalled event loop). */
  jump(ms: number): void;
  /** Timers scheduled and not yet run or cleared. */
  pendingTimers(): number;
  /** Delays of the pending timers, soonest first. */
  pendingDelays(): number[];
}

export function createTestClock(start = Date.parse('2026-11-24T10:00:00.000Z')): TestClock {
  const clock = FakeTimers.createClock(start);
  return {
    now: () => clock.now,
    setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimeout: (handle) => {
      if (handle !== null && handle !== undefined) clock.clearTimeout(handle as never);
    },
    tick: async (ms) => {
      await clock.tickAsync(ms);
    },
    jump: (ms) => clock.setSystemTime(clock.now + ms),
    pendingTimers: () => clock.countTimers(),
    pendingDelays: () => {
      const timers = Object.values((clock as unknown as { timers?: Record<string, { callAt: number }> }).timers ?? {});
      return timers.map((t) => t.callAt - clock.now).sort((a, b) => a - b);
    },
  };
}
