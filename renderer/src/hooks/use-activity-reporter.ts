// Tells the main process the front desk is using the console, so the idle auto-lock does not fire
// mid-task. Throttled to one report per 10 s, as the bridge contract asks.
import { useEffect } from 'react';
import type { VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';

export const ACTIVITY_REPORT_INTERVAL_MS = 10_000;
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel'] as const;

export function useActivityReporter(bridge: VoxanneBridge, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let lastReport = 0;
    const onActivity = () => {
      const now = Date.now();
      if (now - lastReport < ACTIVITY_REPORT_INTERVAL_MS) return;
      lastReport = now;
      // Best effort: a missed report only means the lock may come a little early.
      void settle(bridge.session.reportActivity({}));
    };
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, onActivity, { passive: true });
    return () => {
      for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, onActivity);
    };
  }, [bridge, enabled]);
}
