// vi.waitFor with a late give-up: it passes as soon as the condition holds, and its default (1 s)
// turned a loaded 2-core machine into failures (a real sign-in plus a real socket took longer).
// Main tests wait for conditions through this, never for a time.
import { vi } from 'vitest';

type WaitForOptions = Exclude<Parameters<typeof vi.waitFor>[1], number | undefined>;

export const WAIT_GIVE_UP_MS = 15_000;

export function waitFor<T>(callback: () => T | Promise<T>, options: WaitForOptions = {}): Promise<T> {
  return vi.waitFor(callback, { timeout: WAIT_GIVE_UP_MS, interval: 5, ...options });
}
