// A downloaded update waits for "Restart to update"; nothing installs it behind the user's back.
import type { UpdateState } from '@voxanne/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createCoreHarness, type CoreHarness } from '../test/core-harness.js';
import { NO_UPDATE_READY, type UpdaterPort } from './updates.js';
import { UserMessage } from './user-messages.js';

class FakeUpdater implements UpdaterPort {
  private listener: ((version: string) => void) | null = null;
  installs = 0;
  onDownloaded(listener: (version: string) => void) {
    this.listener = listener;
    return () => {
      this.listener = null;
    };
  }
  quitAndInstall() {
    this.installs++;
  }
  download(version: string) {
    this.listener?.(version);
  }
}

let h: CoreHarness;
afterEach(async () => {
  await h.close();
});

const updatePushes = () => h.pushes.filter((p) => p.channel === 'updates.onState').map((p) => p.payload as UpdateState);

describe('Updates: restart to update', () => {
  it('tells the console when an update is ready, and installs only when the user confirms', async () => {
    const updater = new FakeUpdater();
    h = await createCoreHarness({ updater });
    await h.signIn();
    expect(await h.invoke('updates.getState')).toEqual({ ok: true, data: { status: 'none' } });
    expect(await h.invoke('updates.restart', { confirmed: true })).toEqual({
      ok: false,
      error: { code: 'not_found', message: NO_UPDATE_READY },
    });

    updater.download('1.4.0');
    updater.download('1.4.0');
    expect(updatePushes()).toEqual([{ status: 'ready', version: '1.4.0' }]);
    expect(await h.invoke('updates.getState')).toEqual({ ok: true, data: { status: 'ready', version: '1.4.0' } });
    expect(updater.installs).toBe(0);

    expect(await h.invoke('updates.restart', {})).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await h.invoke('updates.restart', { confirmed: false })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(updater.installs).toBe(0);

    expect(await h.invoke('updates.restart', { confirmed: true })).toEqual({ ok: true, data: null });
    expect(updater.installs).toBe(1);
  });

  it('does not restart a locked console (a restart signs back in), but still says an update is ready', async () => {
    const updater = new FakeUpdater();
    h = await createCoreHarness({ updater });
    await h.signIn();
    await h.invoke('session.lock');
    updater.download('1.4.0');
    expect(await h.invoke('updates.getState')).toEqual({ ok: true, data: { status: 'ready', version: '1.4.0' } });
    expect(await h.invoke('updates.restart', { confirmed: true })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: UserMessage.locked },
    });
    expect(updater.installs).toBe(0);
  });

  it('has nothing to install where there is no updater (the browser host)', async () => {
    h = await createCoreHarness();
    await h.signIn();
    expect(await h.invoke('updates.getState')).toEqual({ ok: true, data: { status: 'none' } });
    expect(await h.invoke('updates.restart', { confirmed: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
