import { describe, expect, it } from 'vitest';
import type { VoxanneBridge } from './ipc.js';

// Compile-time proof that the derived bridge type carries the contract: a wrong argument or a wrong
// use of a result fails `npm run typecheck`.
async function useBridge(bridge: VoxanneBridge): Promise<string | undefined> {
  const page = await bridge.calls.list({ limit: 10, status: 'ended' });
  // @ts-expect-error unknown status
  await bridge.calls.list({ status: 'bogus' });
  const stop = bridge.live.onBatch((batch) => batch.events.map((e) => e.seq));
  stop();
  const state = await bridge.session.login({ email: 'a@b.co', password: 'x' });
  if (state.ok && state.data.status === 'signed-in') return state.data.user.clinicId;
  return page.ok ? page.data.items[0]?.id : page.error.code;
}

describe('bridge type', () => {
  it('is derived from the channel tables', () => {
    expect(typeof useBridge).toBe('function');
  });
});
