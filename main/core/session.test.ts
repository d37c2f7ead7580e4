import { CSRF_HEADER, type SessionState } from '@voxanne/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoreHarness, settle, type CoreHarness } from '../test/core-harness.js';
import { PASSWORD, USER } from '../test/fake-backend.js';
import { callSummary } from '../test/live-events.js';
import { MemoryVault } from '../test/memory-ports.js';
import { ApiClient } from './api-client.js';
import { silentLogger } from './logger.js';
import { UserMessage } from './user-messages.js';
import { REFRESH_RETRY_MS } from './session.js';
import { createTestClock } from '../test/test-clock.js';
import { waitFor } from '../test/wait-for.js';

let h: CoreHarness;
beforeEach(async () => {
  h = await createCoreHarness({ accessTtlSeconds: 300 });
});
afterEach(async () => {
  await h.close();
});

describe('Session: tokens', () => {
  it('keeps the access token in memory and only the refresh token in the vault', async () => {
    await h.signIn();
    expect(h.vault.token).toMatch(/^rt-/);
    const everything = JSON.stringify(h.pushes);
    expect(everything).not.toContain('at-');
    expect(everything).not.toContain('rt-');
    expect(everything).not.toContain('csrf-');
  });

  it('refreshes a little before the access token expires and stores the rotated refresh token', async () => {
    await h.signIn();
    const first = h.vault.token;
    await h.clock.tick(239_000);
    expect(h.backend.counts.refresh).toBe(0);
    await h.clock.tick(1_000);
    await waitFor(() => expect(h.backend.counts.refresh).toBe(1));
    await waitFor(() => expect(h.vault.token).not.toBe(first));
    expect(h.core.session.getState().status).toBe('signed-in');
  });

  it('shares one refresh among concurrent callers (single-flight)', async () => {
    await h.signIn();
    h.backend.expireAccessTokens();
    h.backend.refreshDelayMs = 100;
    const results = await Promise.all(Array.from({ length: 5 }, () => h.invoke('dashboard.getStats')));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(h.backend.counts.refresh).toBe(1);
  });

  it('refreshes first when the held access token has (nearly) expired', async () => {
    await h.signIn();
    h.backend.refreshDelayMs = 50;
    h.clock.jump(299_000);
    const results = await Promise.all([h.invoke('dashboard.getStats'), h.invoke('calls.list', {})]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(h.backend.counts.refresh).toBe(1);
  });

  it('signs out with "session expired" when the refresh token is refused', async () => {
    await h.signIn();
    h.backend.revokeAll();
    const result = await h.invoke('dashboard.getStats');
    expect(result).toEqual({ ok: false, error: { code: 'unauthenticated', message: UserMessage.sessionExpired } });
    expect(h.core.session.getState()).toEqual({ status: 'signed-out', reason: UserMessage.sessionExpired });
    expect(h.vault.token).toBeNull();
    expect(h.core.live.getState().status).toBe('signed-out');
  });

  it('sends the CSRF token with state-changing requests and a bearer token with every request', async () => {
    await h.signIn();
    expect((await h.invoke('testCalls.phone', { phoneNumber: '+44 20 7946 0958' })).ok).toBe(true);
    const post = h.backend.requests.find((r) => r.path === '/api/test-calls/phone');
    expect(post?.headers[CSRF_HEADER]).toMatch(/^csrf-/);
    expect(post?.headers.authorization).toMatch(/^Bearer at-/);
    expect(JSON.parse(post?.body ?? '{}')).toEqual({ phoneNumber: '+442079460958' });
  });

  it('answers a wrong password with the backend error and stays signed out', async () => {
    const result = await h.invoke('session.login', { email: USER.email, password: 'nope' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_credentials' } });
    expect(h.core.session.getState().status).toBe('signed-out');
    expect(h.vault.token).toBeNull();
  });

  it('signs out: revokes the session on the server and clears the vault', async () => {
    await h.signIn();
    const result = await h.invoke<SessionState>('session.logout');
    expect(result).toEqual({ ok: true, data: { status: 'signed-out', reason: null } });
    expect(h.backend.counts.logout).toBe(1);
    expect(h.vault.token).toBeNull();
  });
});

describe('Session: restoring at start-up', () => {
  it('signs back in with the saved refresh token', async () => {
    await h.signIn();
    const vault = new MemoryVault();
    vault.token = h.vault.token;
    const second = await createCoreHarness({ backend: h.backend, vault });
    try {
      await second.core.start();
      expect(second.core.session.getState()).toEqual({ status: 'signed-in', user: USER });
      await second.waitForStatus('live');
    } finally {
      await second.close();
    }
  });

  it('keeps the token and retries when the server is unreachable at start-up', async () => {
    await h.signIn();
    const vault = new MemoryVault();
    vault.token = h.vault.token;
    await h.backend.stop();
    const second = await createCoreHarness({ backend: h.backend, vault });
    try {
      await second.core.start();
      expect(second.core.session.getState()).toEqual({ status: 'signed-out', reason: UserMessage.serverUnreachable });
      expect(vault.token).not.toBeNull();
      await h.backend.start();
      // Each retry is due in REFRESH_RETRY_MS: move the clock that far, then wait for that attempt's
      // verdict (every attempt ends by setting the state) before the next. Ticking on while an answer
      // is on the way would fire the request's own time-out on the test clock; and on a busy machine
      // an attempt may still meet a connection the restart closed, which the next retry outlives.
      const stateChanges = () => second.pushes.filter((p) => p.channel === 'session.onState').length;
      for (let retry = 1; second.core.session.getState().status !== 'signed-in'; retry++) {
        if (retry > 10) throw new Error('still signed out after ten retries');
        expect(second.clock.pendingDelays()).toContain(REFRESH_RETRY_MS);
        const before = stateChanges();
        await second.clock.tick(REFRESH_RETRY_MS);
        await waitFor(() => expect(stateChanges()).toBeGreaterThan(before));
      }
    } finally {
      await second.close();
    }
  });
});

describe('Session: idle auto-lock', () => {
  it('locks after the configured idle time while the live connection and notifications keep running', async () => {
    await h.signIn();
    await h.advance(14 * 60_000);
    expect(h.core.session.getState().status).toBe('signed-in');
    await h.advance(60_000);
    expect(h.core.session.getState()).toEqual({ status: 'locked', user: USER });
    expect(h.core.live.getState().status).toBe('live');
    h.backend.emit({ kind: 'call.started', data: { call: callSummary({ startedAt: new Date(h.clock.now()).toISOString() }) } });
    await waitFor(() => expect(h.notifications.shown).toHaveLength(1));
  });

  it('refuses data requests while locked, and unlocks with the right password on the same socket', async () => {
    await h.signIn();
    await h.invoke('session.lock');
    expect(await h.invoke('dashboard.getStats')).toEqual({ ok: false, error: { code: 'forbidden', message: UserMessage.locked } });
    expect(await h.invoke('session.unlock', { password: 'wrong' })).toEqual({
      ok: false,
      error: { code: 'invalid_credentials', message: UserMessage.wrongPassword },
    });
    expect(h.core.session.getState().status).toBe('locked');
    const unlocked = await h.invoke('session.unlock', { password: PASSWORD });
    expect(unlocked).toEqual({ ok: true, data: { status: 'signed-in', user: USER } });
    expect((await h.invoke('dashboard.getStats')).ok).toBe(true);
    await settle(30);
    expect(h.backend.counts.liveHandshakes).toBe(1);
    expect(h.core.live.getState().status).toBe('live');
    // The password check's own session is thrown away at once.
    await waitFor(() => expect(h.backend.counts.logout).toBe(1));
  });

  it('postpones the lock while the user is active, and never locks when set to 0', async () => {
    await h.signIn();
    for (let i = 0; i < 3; i++) {
      await h.advance(10 * 60_000);
      await h.invoke('session.reportActivity');
    }
    expect(h.core.session.getState().status).toBe('signed-in');
    const settings = (await h.invoke<never>('settings.get')) as { ok: true; data: Record<string, unknown> };
    await h.invoke('settings.update', { ...settings.data, autoLockMinutes: 0 });
    await h.advance(20 * 60_000);
    expect(h.core.session.getState().status).toBe('signed-in');
  });
});

describe('ApiClient', () => {
  it('gives up after 10 s with a user-facing message', async () => {
    const clock = createTestClock();
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const api = new ApiClient({ baseUrl: 'http://127.0.0.1:9', fetch: hanging, clock, logger: silentLogger });
    const pending = api.call('login', { body: { email: USER.email, password: 'x' } });
    await clock.tick(9_999);
    let settled = false;
    void pending.then(() => (settled = true));
    await settle(5);
    expect(settled).toBe(false);
    await clock.tick(1);
    expect(await pending).toEqual({ ok: false, error: { code: 'unavailable', message: UserMessage.serverSlow }, status: null });
  });

  it('refuses an answer that does not match the contract', async () => {
    const clock = createTestClock();
    const wrong: typeof fetch = async () => new Response(JSON.stringify({ accessToken: 1 }), { status: 200 });
    const api = new ApiClient({ baseUrl: 'http://127.0.0.1:9', fetch: wrong, clock, logger: silentLogger });
    const result = await api.call('login', { body: { email: USER.email, password: 'x' } });
    expect(result).toMatchObject({ ok: false, error: { code: 'internal', message: UserMessage.serverConfused } });
  });

  it('says the server cannot be reached when nothing listens', async () => {
    await h.backend.stop();
    expect(await h.invoke('session.login', { email: USER.email, password: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'unavailable', message: UserMessage.serverUnreachable },
    });
  });
});
