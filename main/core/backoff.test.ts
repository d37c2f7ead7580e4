import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, JITTER_MIN_FRACTION, backoffDelayMs, backoffStepMs } from './backoff.js';

describe('backoff', () => {
  it('steps 1, 2, 4, 8, 16 s and stays at 16 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(backoffStepMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000, 16_000]);
  });

  it('draws each delay from [80 %, 100 %] of its step, never above the cap', () => {
    expect(JITTER_MIN_FRACTION).toBe(0.8);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const step = backoffStepMs(attempt);
      expect(backoffDelayMs(attempt, () => 0)).toBe(step * 0.8);
      expect(backoffDelayMs(attempt, () => 0.5)).toBe(step * 0.9);
      expect(backoffDelayMs(attempt, () => 0.999_999_999)).toBe(step);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelayMs(attempt, Math.random);
        expect(delay).toBeGreaterThanOrEqual(step * 0.8);
        expect(delay).toBeLessThanOrEqual(Math.min(step, BACKOFF_CAP_MS));
      }
    }
  });
});
