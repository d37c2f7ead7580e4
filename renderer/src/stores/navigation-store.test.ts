import { describe, expect, it } from 'vitest';
import { createNavigationStore, routeFromHash, routeToHash } from './navigation-store';

describe('navigation', () => {
  it('round-trips every page through the address', () => {
    const callId = '00000000-0000-4000-8000-000000000042';
    for (const route of [
      { page: 'dashboard' },
      { page: 'calls' },
      { page: 'call', callId },
      { page: 'agent' },
      { page: 'knowledge' },
      { page: 'numbers' },
      { page: 'settings' },
    ] as const) {
      expect(routeFromHash(routeToHash(route))).toEqual(route);
    }
  });

  it('treats an unknown or malformed address as the dashboard or the list', () => {
    expect(routeFromHash('#/nowhere')).toEqual({ page: 'dashboard' });
    expect(routeFromHash('')).toEqual({ page: 'dashboard' });
    expect(routeFromHash('#/calls/not-a-uuid')).toEqual({ page: 'calls' });
  });

  it('parks navigation while blocked until the user proceeds or stays', () => {
    const store = createNavigationStore({ page: 'agent' });
    store.getState().block(true);
    store.getState().navigate({ page: 'settings' });
    expect(store.getState().route).toEqual({ page: 'agent' });
    expect(store.getState().pending).toEqual({ page: 'settings' });
    store.getState().stay();
    expect(store.getState().pending).toBeNull();
    store.getState().navigate({ page: 'calls' });
    store.getState().proceed();
    expect(store.getState().route).toEqual({ page: 'calls' });
    expect(store.getState().blocked).toBe(false);
  });
});
