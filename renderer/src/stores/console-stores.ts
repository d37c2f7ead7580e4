// One set of stores per console window, each owning one concern, and the wiring that feeds them
// from the bridge: initial loads after sign-in, one store update per live batch, resync reloads.
import type { LiveBatch, SessionState, VoxanneBridge } from '@voxanne/protocol';
import { createSessionStore } from './session-store';
import { createConnectionStore } from './connection-store';
import { createCallsStore } from './calls-store';
import { createBookingsStore } from './bookings-store';
import { createStatsStore } from './stats-store';
import { createAgentStore } from './agent-store';
import { createSettingsStore } from './settings-store';
import { createUpdatesStore } from './updates-store';
import { createWorkQueueStore } from './work-queue-store';
import { type Route, createNavigationStore } from './navigation-store';

export function createConsoleStores(bridge: VoxanneBridge, initialRoute?: Route) {
  const stats = createStatsStore(bridge);
  const clinicDay = () => {
    const current = stats.getState().stats;
    return current ? { date: current.date, timeZone: current.timeZone } : null;
  };
  return {
    session: createSessionStore(bridge),
    connection: createConnectionStore(bridge),
    calls: createCallsStore(bridge),
    bookings: createBookingsStore(bridge, clinicDay),
    stats,
    agent: createAgentStore(bridge),
    settings: createSettingsStore(bridge),
    updates: createUpdatesStore(bridge),
    workQueue: createWorkQueueStore(bridge),
    navigation: createNavigationStore(initialRoute),
  };
}
export type ConsoleStores = ReturnType<typeof createConsoleStores>;

/** Applies one coalesced batch: each store is updated at most once, so React renders once. */
export function applyLiveBatch(stores: ConsoleStores, batch: LiveBatch): void {
  // Stats first: booking events need the clinic's "today", which a stats.changed may have moved.
  stores.stats.getState().applyEvents(batch.events);
  const stats = stores.stats.getState().stats;
  stores.calls.getState().applyEvents(batch.events);
  stores.bookings.getState().applyEvents(batch.events, stats ? { date: stats.date, timeZone: stats.timeZone } : null);
  stores.agent.getState().applyEvents(batch.events);
  stores.workQueue.getState().applyEvents(batch.events);
  if (batch.resyncRequired) reloadDashboard(stores);
}

/** Everything the dashboard shows, fetched again over the bridge. */
export function reloadDashboard(stores: ConsoleStores): void {
  // Bookings wait for the stats: "today" is the clinic's day, which the stats name.
  void stores.stats
    .getState()
    .loadStats()
    .then(() => stores.bookings.getState().loadToday());
  void stores.calls.getState().loadDashboardCalls();
  void stores.workQueue.getState().loadQueue();
}

/** Calls, bookings and today's figures: what a locked screen must not hold. */
function clearPatientData(stores: ConsoleStores): void {
  stores.calls.getState().reset({ keepHandled: true });
  stores.bookings.getState().reset();
  stores.stats.getState().reset();
  stores.agent.getState().reset();
  stores.workQueue.getState().reset();
}

/**
 * Subscribes the stores to every push channel and loads what the signed-in console needs.
 * Returns the cleanup that releases every subscription.
 */
export function startConsole(bridge: VoxanneBridge, stores: ConsoleStores): () => void {
  let previous: SessionState['status'] | null = null;
  const onSession = (session: SessionState | null) => {
    const status = session?.status ?? null;
    // Signing in loads the dashboard. Unlocking does not: main follows the unlock with a resync
    // batch (it held the live stream back while locked), and that reloads it.
    if (status === 'signed-in' && (previous === null || previous === 'signed-out')) reloadDashboard(stores);
    // Locked or signed out, the window holds no patient data, not even out of sight.
    if (status !== 'signed-in' && previous === 'signed-in') clearPatientData(stores);
    // The assistant's settings (and a half-written change to them) wait behind the lock screen.
    if (status === 'signed-out' && previous !== null && previous !== 'signed-out') {
      stores.calls.getState().reset();
      stores.agent.getState().reset();
      stores.navigation.getState().block(false);
      stores.navigation.getState().navigate({ page: 'dashboard' });
    }
    previous = status;
  };
  const unsubscribers = [
    stores.session.subscribe((state, previous) => {
      if (state.session !== previous.session) onSession(state.session);
    }),
    bridge.session.onState((session) => stores.session.getState().apply(session)),
    bridge.connection.onState((connection) => stores.connection.getState().apply(connection)),
    bridge.live.onBatch((batch) => applyLiveBatch(stores, batch)),
    bridge.settings.onChanged((settings) => stores.settings.getState().apply(settings)),
    bridge.updates.onState((update) => stores.updates.getState().apply(update)),
    bridge.app.onNavigate((target) => {
      const navigation = stores.navigation.getState();
      if (target.page !== 'call') navigation.navigate(target);
      else if (target.action) navigation.openCallWith(target.callId, target.action);
      else navigation.navigate({ page: 'call', callId: target.callId });
    }),
  ];
  void stores.session.getState().load();
  void stores.connection.getState().load();
  void stores.settings.getState().loadSettings();
  void stores.updates.getState().load();
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
