// The OS's word on the network and sleep, as PowerHints for the live connection: resume from sleep
// and network changes make it retry at once instead of waiting out its backoff.
import { net, powerMonitor } from 'electron';
import type { PowerHint, PowerHints } from '../core/ports.js';

/** Electron's main process has no online/offline event: poll `net.isOnline()`, cheaply. */
const ONLINE_POLL_MS = 5_000;

export function electronPowerHints(): PowerHints & { dispose(): void } {
  const listeners = new Set<(hint: PowerHint) => void>();
  const emit = (hint: PowerHint) => {
    for (const listener of [...listeners]) listener(hint);
  };
  let online = net.isOnline();
  const poll = setInterval(() => {
    const now = net.isOnline();
    if (now !== online) {
      online = now;
      emit(now ? 'online' : 'offline');
    }
  }, ONLINE_POLL_MS);
  poll.unref();
  const onResume = () => emit('resume');
  const onSuspend = () => emit('suspend');
  powerMonitor.on('resume', onResume);
  powerMonitor.on('unlock-screen', onResume);
  powerMonitor.on('suspend', onSuspend);
  return {
    isOnline: () => online,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    dispose: () => {
      clearInterval(poll);
      powerMonitor.removeListener('resume', onResume);
      powerMonitor.removeListener('unlock-screen', onResume);
      powerMonitor.removeListener('suspend', onSuspend);
      listeners.clear();
    },
  };
}
