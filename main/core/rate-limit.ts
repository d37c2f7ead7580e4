// Client-side limit on test calls: a sliding window, so a slip of the finger cannot ring a
// phone ten times. The server has its own, stricter limits.
import type { Clock } from './ports.js';

export class SlidingWindowLimit {
  private times: number[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Takes a slot and returns 0, or returns how many ms until one frees up. */
  take(): number {
    const now = this.clock.now();
    this.times = this.times.filter((t) => now - t < this.windowMs);
    const oldest = this.times[0];
    if (this.times.length >= this.limit && oldest !== undefined) return oldest + this.windowMs - now;
    this.times.push(now);
    return 0;
  }
}
