// One shared clock for every running timer on screen (call timers, "Reconnecting in 4 s"): a
// single interval runs while anything shows a time and stops when the last of them unmounts.
import { useSyncExternalStore } from 'react';

const TICK_MS = 1000;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
let now = Date.now();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

const snapshot = () => now;

/** Milliseconds since the epoch, refreshed once a second while the caller is mounted. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}

/** For tests: how many components are holding the clock. */
export function clockSubscriberCount(): number {
  return listeners.size;
}
