// Which screen is open, mirrored in the URL hash (so Back works in the browser host and a reload
// keeps the page), plus the unsaved-changes guard: while a screen holds unsaved edits, leaving it
// waits for the user to confirm.
import { createStore } from 'zustand/vanilla';

export type Route =
  | { page: 'dashboard' }
  | { page: 'work-queue' }
  | { page: 'calls' }
  | { page: 'call'; callId: string }
  | { page: 'agent' }
  | { page: 'knowledge' }
  | { page: 'numbers' }
  | { page: 'activity' }
  | { page: 'staff' }
  | { page: 'settings' };

export type PageName = Route['page'];

export interface NavigationStore {
  route: Route;
  /** Set while a screen has unsaved edits; navigation then parks the target in `pending`. */
  blocked: boolean;
  pending: Route | null;
  /** Set by a navigation; the arriving page's heading takes focus once and clears it. */
  focusHeading: boolean;
  /** An action to start on a call as it opens (the tray's or a notification's Listen / Take call). */
  callAction: { callId: string; action: 'listen' | 'take' } | null;
  navigate(route: Route): void;
  /** Opens the call with the action waiting for its controls. */
  openCallWith(callId: string, action: 'listen' | 'take'): void;
  /** The call's controls take the waiting action (once); null when none waits for this call. */
  takeCallAction(callId: string): 'listen' | 'take' | null;
  headingFocused(): void;
  block(blocked: boolean): void;
  /** The user chose to leave and lose the edits. */
  proceed(): void;
  /** The user chose to stay. */
  stay(): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function routeToHash(route: Route): string {
  return route.page === 'call' ? `#/calls/${route.callId}` : `#/${route.page}`;
}

export function routeFromHash(hash: string): Route {
  const [, first, second] = hash.replace(/^#/, '').split('/');
  switch (first) {
    case 'calls':
      return second && UUID.test(second) ? { page: 'call', callId: second } : { page: 'calls' };
    case 'work-queue':
    case 'agent':
    case 'knowledge':
    case 'numbers':
    case 'activity':
    case 'staff':
    case 'settings':
      return { page: first };
    default:
      return { page: 'dashboard' };
  }
}

export const sameRoute = (a: Route, b: Route) => routeToHash(a) === routeToHash(b);

export function createNavigationStore(initial: Route = { page: 'dashboard' }) {
  return createStore<NavigationStore>()((set, get) => ({
    route: initial,
    blocked: false,
    pending: null,
    focusHeading: false,
    callAction: null,
    openCallWith(callId, action) {
      set({ callAction: { callId, action } });
      get().navigate({ page: 'call', callId });
    },
    takeCallAction(callId) {
      const waiting = get().callAction;
      if (waiting?.callId !== callId) return null;
      set({ callAction: null });
      return waiting.action;
    },
    navigate(route) {
      if (sameRoute(route, get().route)) return;
      if (get().blocked) set({ pending: route });
      else set({ route, pending: null, focusHeading: true });
    },
    headingFocused() {
      set({ focusHeading: false });
    },
    block(blocked) {
      set({ blocked, ...(blocked ? {} : { pending: null }) });
    },
    proceed() {
      const { pending } = get();
      set({ blocked: false, pending: null, ...(pending ? { route: pending, focusHeading: true } : {}) });
    },
    stay() {
      set({ pending: null });
    },
  }));
}
export type NavigationStoreApi = ReturnType<typeof createNavigationStore>;

/**
 * Keeps the hash and the store in step: Back/Forward become navigations (and respect the guard),
 * and every navigation writes the hash. Returns the cleanup.
 */
export function syncNavigationWithLocation(store: NavigationStoreApi, location: Location, history: History): () => void {
  const onHashChange = () => {
    const target = routeFromHash(location.hash);
    const { route } = store.getState();
    if (sameRoute(target, route)) return;
    // Put the address back until the guard lets the navigation through.
    if (store.getState().blocked) history.replaceState(null, '', routeToHash(route));
    store.getState().navigate(target);
  };
  window.addEventListener('hashchange', onHashChange);
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.route !== previous.route && routeToHash(state.route) !== location.hash) {
      history.pushState(null, '', routeToHash(state.route));
    }
  });
  return () => {
    window.removeEventListener('hashchange', onHashChange);
    unsubscribe();
  };
}
