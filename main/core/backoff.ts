// Reconnect delays: 1 s, 2 s, 4 s, 8 s, then 16 s for every later attempt.
//
// Jitter keeps a clinic's consoles from reconnecting in lock-step after a server restart. Each
// delay is drawn uniformly from [80 %, 100 %] of its step: jitter only ever shortens a delay, so the
// 16 s cap holds exactly and the sequence never overtakes the next step.

export const BACKOFF_STEPS_MS = [1_000, 2_000, 4_000, 8_000, 16_000] as const;
export const BACKOFF_CAP_MS = 16_000;
/** Lower jitter bound as a fraction of the step; the upper bound is the step itself. */
export const JITTER_MIN_FRACTION = 0.8;

/** The step for a 1-based attempt number, before jitter. */
export function backoffStepMs(attempt: number): number {
  const index = Math.min(Math.max(attempt, 1), BACKOFF_STEPS_MS.length) - 1;
  return BACKOFF_STEPS_MS[index] ?? BACKOFF_CAP_MS;
}

/** `random` returns [0, 1), like Math.random. */
export function backoffDelayMs(attempt: number, random: () => number): number {
  const step = backoffStepMs(attempt);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(step * (JITTER_MIN_FRACTION + (1 - JITTER_MIN_FRACTION) * r));
}
