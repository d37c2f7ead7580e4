// React access to the bridge and the console's stores. Components select the slice they show, so
// a batch of events re-renders only what changed (`useShallow` for lists of ids).
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { VoxanneBridge } from '@voxanne/protocol';
import type { ConsoleStores } from './console-stores';
import type { SessionStore } from './session-store';
import type { ConnectionStore } from './connection-store';
import type { CallsStore } from './calls-store';
import type { BookingsStore } from './bookings-store';
import type { StatsStore } from './stats-store';
import type { AgentStore } from './agent-store';
import type { SettingsStore } from './settings-store';
import type { NavigationStore } from './navigation-store';
import type { UpdatesStore } from './updates-store';
import type { WorkQueueStore } from './work-queue-store';

const BridgeContext = createContext<VoxanneBridge | null>(null);
const StoresContext = createContext<ConsoleStores | null>(null);

export function ConsoleProvider(props: { bridge: VoxanneBridge; stores: ConsoleStores; children: ReactNode }) {
  return (
    <BridgeContext value={props.bridge}>
      <StoresContext value={props.stores}>{props.children}</StoresContext>
    </BridgeContext>
  );
}

export function useBridge(): VoxanneBridge {
  const bridge = useContext(BridgeContext);
  if (!bridge) throw new Error('useBridge outside ConsoleProvider');
  return bridge;
}

export function useStores(): ConsoleStores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores outside ConsoleProvider');
  return stores;
}

export const useSession = <T,>(select: (s: SessionStore) => T): T => useStore(useStores().session, select);
export const useConnection = <T,>(select: (s: ConnectionStore) => T): T => useStore(useStores().connection, select);
export const useCalls = <T,>(select: (s: CallsStore) => T): T => useStore(useStores().calls, select);
export const useBookings = <T,>(select: (s: BookingsStore) => T): T => useStore(useStores().bookings, select);
export const useStats = <T,>(select: (s: StatsStore) => T): T => useStore(useStores().stats, select);
export const useAgent = <T,>(select: (s: AgentStore) => T): T => useStore(useStores().agent, select);
export const useSettings = <T,>(select: (s: SettingsStore) => T): T => useStore(useStores().settings, select);
export const useUpdates = <T,>(select: (s: UpdatesStore) => T): T => useStore(useStores().updates, select);
export const useWorkQueue = <T,>(select: (s: WorkQueueStore) => T): T => useStore(useStores().workQueue, select);
export const useNavigation = <T,>(select: (s: NavigationStore) => T): T => useStore(useStores().navigation, select);
