// One desktop core wired to a real fake backend, a test clock and in-memory ports: the setup most
// main/core tests share. Everything it starts, `close()` stops.
import type { IpcInvokeChannel, IpcPushChannel, IpcResult, LiveBatch } from '@voxanne/protocol';
import { createDesktopCore, type DesktopCore } from '../core/desktop-core.js';
import { silentLogger } from '../core/logger.js';
import type { UpdaterPort } from '../core/updates.js';
import { createWsSocketFactory } from '../core/ws-socket.js';
import { FakeBackend, PASSWORD, USER } from './fake-backend.js';
import { FakeShell, ManualPowerHints, MemorySettings, MemoryVault, RecordingNotifications } from './memory-ports.js';
import { createTestClock, type TestClock } from './test-clock.js';
import { waitFor } from './wait-for.js';

export interface CoreHarness {
  core: DesktopCore;
  backend: FakeBackend;
  clock: TestClock;
  vault: MemoryVault;
  settings: MemorySettings;
  notifications: RecordingNotifications;
  shell: FakeShell;
  power: ManualPowerHints;
  pushes: { channel: IpcPushChannel; payload: unknown }[];
  batches: LiveBatch[];
  /** The random() the core draws jitter from; set `harness.random.value`. */
  random: { value: number };
  invoke<T = unknown>(channel: IpcInvokeChannel, request?: unknown): Promise<IpcResult<T>>;
  signIn(): Promise<void>;
  /**
   * Advances fake time in steps, letting real IO (pongs, HTTP answers) through between steps, so a
   * long stretch of fake time does not outrun the real sockets underneath.
   */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Waits (real time) until the connection reports this status. */
  waitForStatus(status: string): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  accessTtlSeconds?: number;
  backend?: FakeBackend;
  vault?: MemoryVault;
  heartbeat?: boolean;
  updater?: UpdaterPort;
}

export async function createCoreHarness(options: HarnessOptions = {}): Promise<CoreHarness> {
  const clock = createTestClock();
  const backend =
    options.backend ?? (await new FakeBackend({ accessTtlSeconds: options.accessTtlSeconds, now: () => clock.now() }).start());
  const vault = options.vault ?? new MemoryVault();
  const settings = new MemorySettings();
  const notifications = new RecordingNotifications();
  const shell = new FakeShell();
  const power = new ManualPowerHints();
  const random = { value: 0.5 };
  const core = createDesktopCore({
    backendUrl: backend.url,
    host: 'browser',
    version: '0.0.0-test',
    platform: 'linux',
    externalLinkHosts: ['docs.vapi.ai'],
    vault,
    notifications,
    shell,
    power,
    settings,
    updater: options.updater,
    clock,
    random: () => random.value,
    openSocket: createWsSocketFactory(),
    logger: silentLogger,
    timeZone: 'UTC',
  });
  const pushes: CoreHarness['pushes'] = [];
  const batches: LiveBatch[] = [];
  core.onPush((channel, payload) => {
    pushes.push({ channel, payload });
    if (channel === 'live.onBatch') batches.push(payload as LiveBatch);
  });

  const harness: CoreHarness = {
    core,
    backend,
    clock,
    vault,
    settings,
    notifications,
    shell,
    power,
    pushes,
    batches,
    random,
    invoke: (channel, request) => core.invoke(channel, request) as never,
    signIn: async () => {
      const result = await core.invoke('session.login', { email: USER.email, password: PASSWORD });
      if (!result.ok) throw new Error(`sign-in failed: ${result.error.message}`);
      await harness.waitForStatus('live');
    },
    advance: async (ms, stepMs = 5_000) => {
      for (let done = 0; done < ms; done += stepMs) {
        await clock.tick(Math.min(stepMs, ms - done));
        await settle(3);
      }
    },
    waitForStatus: async (status) => {
      await waitFor(
        () => {
          if (core.live.getState().status !== status)
            throw new Error(`connection is ${core.live.getState().status}, waiting for ${status}`);
        },
        { timeout: 15_000, interval: 5 },
      );
    },
    close: async () => {
      await core.dispose();
      if (!options.backend) await backend.close();
    },
  };
  return harness;
}

/** Lets real IO (sockets, HTTP) make progress without moving the fake clock. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
