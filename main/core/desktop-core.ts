// createDesktopCore: the whole main process minus the OS, composed once. The Electron shell and the
// browser host both call this with their own ports, so both run exactly this code path.
//
// It wires Session → LiveConnection → notifier and batches, implements the IPC handler table, and
// emits schema-checked pushes for whichever transport the host uses.
import {
  KNOWLEDGE_EXTENSIONS,
  ListenPortOfferSchema,
  WebTestPortOfferSchema,
  normalizePhoneNumber,
  type AppInfo,
  type CallOpenAction,
  type DesktopSettings,
  type IpcHandlers,
  type IpcInvokeChannel,
  type IpcPushChannel,
  type IpcPushPayload,
  type IpcResult,
  type KnowledgeDocument,
  type Navigate,
} from '@voxanne/protocol';
import type { z } from 'zod';
import { ApiClient } from './api-client.js';
import { isAllowedExternalLink } from './external-links.js';
import { checkPush, dispatchInvoke } from './ipc-dispatch.js';
import { ListenRelay, type ListenPort } from './listen-relay.js';
import { LiveConnection } from './live-connection.js';
import { Listeners } from './listeners.js';
import { createLogger, type Logger } from './logger.js';
import { DesktopNotifier } from './notifier.js';
import {
  systemClock,
  type Clock,
  type FetchLike,
  type NotificationPort,
  type PowerHints,
  type SecretVault,
  type SettingsStore,
  type ShellPort,
  type SocketFactory,
} from './ports.js';
import { SlidingWindowLimit } from './rate-limit.js';
import { Session } from './session.js';
import { UpdateCoordinator, type UpdaterPort } from './updates.js';
import { UserMessage, userFacing } from './user-messages.js';
import { WebTestRelay, type RelayPort } from './web-test-relay.js';
import { createWsSocketFactory } from './ws-socket.js';

/** Client-side test-call limit: three in any minute. */
export const TEST_CALL_LIMIT = 3;
export const TEST_CALL_WINDOW_MS = 60_000;

/** What a locked console still answers: everything else waits for the password. */
const ALLOWED_WHILE_LOCKED = new Set<IpcInvokeChannel>([
  'app.getInfo',
  'session.getState',
  'session.logout',
  'session.lock',
  'session.unlock',
  'session.reportActivity',
  'connection.getState',
  'connection.retryNow',
  'settings.get',
  'updates.getState',
]);

export interface DesktopCorePorts {
  backendUrl: string;
  /** REST requests give up after this long (VOXANNE_REQUEST_TIMEOUT_MS); the client's default otherwise. */
  requestTimeoutMs?: number;
  host: AppInfo['host'];
  version: string;
  platform: string;
  /** https hosts `app.openExternal` may open. */
  externalLinkHosts: readonly string[];
  vault: SecretVault;
  notifications: NotificationPort;
  shell: ShellPort;
  power: PowerHints;
  settings: SettingsStore;
  /** The shell's auto-updater; absent in the browser host and in an unpackaged app. */
  updater?: UpdaterPort;
  clock?: Clock;
  random?: () => number;
  fetch?: FetchLike;
  openSocket?: SocketFactory;
  logger?: Logger;
  /** IANA zone for quiet hours; the system's when absent. */
  timeZone?: string;
}

export type PushListener = <C extends IpcPushChannel>(channel: C, payload: IpcPushPayload<C>) => void;

export interface DesktopCore {
  readonly handlers: IpcHandlers;
  /** Validates and answers one renderer request (the IPC door). */
  invoke(channel: unknown, request: unknown): Promise<IpcResult<unknown>>;
  /** Every push for the renderer, already checked against its schema. */
  onPush(listener: PushListener): () => void;
  /** A renderer handed over a web-test audio port; false when the offer is not valid. */
  attachWebTestPort(port: RelayPort, offer: unknown): boolean;
  /** A renderer handed over a port to hear a live call; false when the offer is not valid. */
  attachListenPort(port: ListenPort, offer: unknown): boolean;
  /** The tray's Listen / Take call on a call that needs a person: opens the call with the action started. */
  openCall(callId: string, action: CallOpenAction): void;
  /** The tray's "Pause notifications" (the user at the OS, not the renderer: works while locked too). */
  setNotificationsPaused(paused: boolean): void;
  /** Restores the saved session; resolves when the first session state is known. */
  start(): Promise<void>;
  dispose(): Promise<void>;
  readonly session: Session;
  readonly live: LiveConnection;
  readonly notifier: DesktopNotifier;
  readonly webTest: WebTestRelay;
  readonly listen: ListenRelay;
  readonly updates: UpdateCoordinator;
  readonly logger: Logger;
}

export function createDesktopCore(ports: DesktopCorePorts): DesktopCore {
  const clock = ports.clock ?? systemClock;
  const logger = ports.logger ?? createLogger();
  const openSocket = ports.openSocket ?? createWsSocketFactory();
  let settings: DesktopSettings = ports.settings.load();

  const api = new ApiClient({
    baseUrl: ports.backendUrl,
    ...(ports.requestTimeoutMs ? { timeoutMs: ports.requestTimeoutMs } : {}),
    fetch: ports.fetch ?? globalThis.fetch,
    clock,
    logger: logger.child({ part: 'api' }),
  });
  const session = new Session({
    api,
    vault: ports.vault,
    clock,
    logger: logger.child({ part: 'session' }),
    autoLockMinutes: settings.autoLockMinutes,
  });
  const live = new LiveConnection({
    backendUrl: ports.backendUrl,
    openSocket,
    clock,
    random: ports.random ?? Math.random,
    logger: logger.child({ part: 'live' }),
    power: ports.power,
    auth: {
      accessToken: () => session.accessToken(),
      refresh: () => session.refresh(),
      revoked: (reason) => void session.expire(reason),
    },
  });
  const webTest = new WebTestRelay({
    backendUrl: ports.backendUrl,
    openSocket,
    accessToken: () => session.accessToken(),
    logger: logger.child({ part: 'web-test' }),
  });

  const listen = new ListenRelay({
    backendUrl: ports.backendUrl,
    openSocket,
    accessToken: () => session.accessToken(),
    requestTicket: async (id) => (await session.call('listenToCall', { params: { id } })).ticket,
    logger: logger.child({ part: 'listen' }),
  });

  const updates = new UpdateCoordinator(ports.updater ?? null, logger.child({ part: 'updates' }));

  const pushListeners = new Listeners<{ channel: IpcPushChannel; payload: unknown }>();
  const push = <C extends IpcPushChannel>(channel: C, payload: IpcPushPayload<C>) => {
    const checked = checkPush(channel, payload, logger);
    if (checked !== null) pushListeners.emit({ channel, payload: checked });
  };

  const openFromNotification = (navigate: Navigate) => {
    ports.shell.focusWindow();
    // Nothing starts on a call behind the lock: the call opens once unlocked, and the desk acts then.
    const locked = session.getState().status === 'locked';
    push('app.onNavigate', locked && navigate.page === 'call' ? { page: 'call', callId: navigate.callId } : navigate);
  };
  const notifier = new DesktopNotifier({
    port: ports.notifications,
    clock,
    logger: logger.child({ part: 'notifier' }),
    settings,
    timeZone: ports.timeZone,
    onOpen: openFromNotification,
  });

  // The console lock. The live connection keeps running (nothing is missed) and the notifier keeps
  // counting, but nothing carrying patient data goes to the renderer: batches are withheld, and on
  // unlock the renderer is told to reload everything (the resync it already knows from a lost log).
  // The state lives here, not in the renderer, so reloading the page does not unlock it.
  let previousStatus = session.getState().status;
  const unsubscribers = [
    session.onState((state) => {
      push('session.onState', state);
      notifier.setLocked(state.status === 'locked');
      // A call's voices are patient data: a locked console stops playing them.
      if (state.status === 'locked') listen.closeAll(UserMessage.locked);
      if (state.status === 'signed-out') {
        live.stop();
        notifier.reset();
        webTest.closeAll(UserMessage.signedOut);
        listen.closeAll(UserMessage.signedOut);
      } else {
        live.start();
      }
      if (previousStatus === 'locked' && state.status === 'signed-in') push('live.onBatch', { events: [], resyncRequired: true });
      previousStatus = state.status;
    }),
    live.onState((state) => {
      notifier.setConnection(state);
      push('connection.onState', state);
      // The tray's open count, once per (re)connection; live work_item events keep it current after.
      if (state.status === 'live') {
        session
          .call('listWorkItems', { query: { limit: 1 } })
          .then((page) => notifier.setWorkQueueCount(page.counts.total))
          .catch((err: unknown) => logger.warn('work queue count not loaded', { err: String(err) }));
      }
    }),
    live.onEvent((event) => notifier.handleEvent(event)),
    live.onBatch((batch) => {
      if (session.getState().status === 'signed-in') push('live.onBatch', batch);
    }),
    updates.onState((state) => push('updates.onState', state)),
  ];

  /** Whose own settings a request is about: always the signed-in staff member, never the renderer's say-so. */
  const signedInStaffId = (): string => {
    const state = session.getState();
    if (state.status === 'signed-out') throw userFacing('unauthenticated', UserMessage.notSignedIn);
    return state.user.id;
  };

  const testCallLimit = new SlidingWindowLimit(clock, TEST_CALL_LIMIT, TEST_CALL_WINDOW_MS);
  let ready: Promise<unknown> = Promise.resolve();

  const handlers: IpcHandlers = {
    'app.getInfo': async () => ({
      version: ports.version,
      host: ports.host,
      platform: ports.platform,
      backendUrl: ports.backendUrl,
      tokenStorage: { persistent: ports.vault.persistent, warning: ports.vault.warning },
      startAtLoginSupported: ports.shell.startAtLoginSupported,
    }),
    'app.openExternal': async ({ url }) => {
      if (!isAllowedExternalLink(url, ports.externalLinkHosts)) throw userFacing('forbidden', 'The app does not open this link.');
      await ports.shell.openExternal(new URL(url).toString());
      return null;
    },

    'session.getState': async () => {
      await ready;
      return session.getState();
    },
    'session.login': (request) => session.login(request),
    'session.logout': () => session.logout(),
    'session.lock': async () => session.lock(),
    'session.unlock': ({ password }) => session.unlock(password),
    'session.reportActivity': async () => {
      session.reportActivity();
      return null;
    },

    'connection.getState': async () => live.getState(),
    'connection.retryNow': async () => live.retryNow(),

    'dashboard.getStats': () => session.call('dashboardStats'),
    'calls.list': (query) => session.call('listCalls', { query }),
    'calls.get': ({ id }) => session.call('getCall', { params: { id } }),
    'callControl.coach': ({ id, text }) => session.call('coachCall', { params: { id }, body: { text } }),
    'callControl.say': ({ id, text }) => session.call('sayOnCall', { params: { id }, body: { text } }),
    'callControl.transfer': ({ id, to }) => session.call('transferCall', { params: { id }, body: { to } }),
    'callControl.end': ({ id }) => session.call('endCall', { params: { id } }),
    'callControl.getTransferNumber': () => session.call('getTransferNumber', { params: { id: signedInStaffId() } }),
    'callControl.setTransferNumber': ({ transferNumber }) => {
      const normalized = transferNumber === null ? null : normalizePhoneNumber(transferNumber);
      if (normalized && !normalized.ok) throw userFacing('invalid_phone_number', normalized.message);
      return session.call('setTransferNumber', {
        params: { id: signedInStaffId() },
        body: { transferNumber: normalized ? normalized.e164 : null },
      });
    },
    'bookings.list': (query) => session.call('listBookings', { query }),
    'bookings.update': async ({ id, patch }) => (await session.call('updateBooking', { params: { id }, body: patch })).booking,

    'workItems.list': (query) => session.call('listWorkItems', { query }),
    'workItems.get': ({ id }) => session.call('getWorkItem', { params: { id } }),
    'workItems.claim': async ({ id, takeOver }) =>
      (await session.call('claimWorkItem', { params: { id }, body: { takeOver: takeOver ?? false } })).item,
    'workItems.release': async ({ id }) => (await session.call('releaseWorkItem', { params: { id } })).item,
    'workItems.done': async ({ id, outcome, note }) =>
      (await session.call('doneWorkItem', { params: { id }, body: { outcome, ...(note ? { note } : {}) } })).item,
    'workItems.reopen': async ({ id }) => (await session.call('reopenWorkItem', { params: { id } })).item,
    'workItems.callBack': ({ id }) => session.call('callBackWorkItem', { params: { id } }),

    'agent.get': () => session.call('getAgent'),
    'agent.update': (request) => session.call('updateAgent', { body: request }),
    'testCalls.phone': async ({ phoneNumber }) => {
      const normalized = normalizePhoneNumber(phoneNumber);
      if (!normalized.ok) throw userFacing('invalid_phone_number', normalized.message);
      const waitMs = testCallLimit.take();
      if (waitMs > 0) throw userFacing('rate_limited', `Too many test calls. Try again in ${Math.ceil(waitMs / 1000)} s.`);
      return session.call('phoneTestCall', { body: { phoneNumber: normalized.e164 } });
    },

    'phoneNumbers.list': () => session.call('listPhoneNumbers'),
    'phoneNumbers.connect': async (request) => (await session.call('connectPhoneNumber', { body: request })).phoneNumber,
    'phoneNumbers.disconnect': async ({ id }) => {
      await session.call('disconnectPhoneNumber', { params: { id } });
      return null;
    },

    'knowledge.list': () => session.call('listKnowledge'),
    'knowledge.upload': async ({ uploadId, filename, data }): Promise<KnowledgeDocument> => {
      const mimeType = knowledgeMimeType(filename);
      const response = await session.call('uploadKnowledge', {
        file: {
          filename,
          data,
          mimeType,
          onProgress: (sentBytes, totalBytes) => push('knowledge.onUploadProgress', { uploadId, sentBytes, totalBytes }),
        },
      });
      return response.document;
    },
    'knowledge.delete': async ({ id }) => {
      await session.call('deleteKnowledge', { params: { id } });
      return null;
    },

    'webTest.diagnostics': () => session.call('webTestDiagnostics'),

    'auditLog.list': (query) => session.call('listAuditLog', { query }),
    'auditLog.exportCsv': async (query) => ({
      filename: `activity-${new Date(clock.now()).toISOString().slice(0, 10)}.csv`,
      csv: await session.call('exportAuditLog', { query }),
    }),
    'staff.list': () => session.call('listStaff'),
    'staff.invite': (request) => session.call('inviteStaff', { body: request }),
    'staff.update': async ({ id, patch }) => (await session.call('updateStaff', { params: { id }, body: patch })).staff,
    'staff.resetPassword': ({ id }) => session.call('resetStaffPassword', { params: { id } }),
    'staff.signOutEverywhere': ({ id }) => session.call('signOutStaffEverywhere', { params: { id } }),
    'clinic.getSettings': async () => (await session.call('getClinicSettings')).settings,
    'clinic.updateSettings': async (request) => (await session.call('updateClinicSettings', { body: request })).settings,

    'updates.getState': async () => updates.getState(),
    'updates.restart': async () => {
      updates.restartToUpdate();
      return null;
    },

    'settings.get': async () => settings,
    'settings.update': async (next) => {
      ports.settings.save(next);
      const startAtLoginChanged = next.startAtLogin !== settings.startAtLogin;
      settings = next;
      session.setAutoLockMinutes(next.autoLockMinutes);
      notifier.applySettings(next);
      if (startAtLoginChanged && ports.shell.startAtLoginSupported) ports.shell.setStartAtLogin(next.startAtLogin);
      push('settings.onChanged', next);
      return next;
    },
  };

  // The lock is enforced here, not only drawn by the renderer.
  const guarded = Object.fromEntries(
    Object.entries(handlers).map(([channel, handler]) => [
      channel,
      async (request: unknown) => {
        const allowed = ALLOWED_WHILE_LOCKED.has(channel as IpcInvokeChannel);
        if (!allowed && session.getState().status === 'locked') throw userFacing('forbidden', UserMessage.locked);
        const answer = await (handler as (r: unknown) => Promise<unknown>)(request);
        // Asked before the lock, answered after it: the data stays in main.
        if (!allowed && session.getState().status === 'locked') throw userFacing('forbidden', UserMessage.locked);
        return answer;
      },
    ]),
  ) as IpcHandlers;

  /** An audio port from the renderer: only a valid offer, only for a signed-in (unlocked) console. */
  const attachPort = <T>(
    what: string,
    schema: z.ZodType<T>,
    port: { close(): void },
    offer: unknown,
    attach: (parsed: T) => void,
  ): boolean => {
    const parsed = schema.safeParse(offer);
    if (!parsed.success || session.getState().status !== 'signed-in') {
      logger.warn(`${what} port refused`, { validOffer: parsed.success, session: session.getState().status });
      port.close();
      return false;
    }
    attach(parsed.data);
    return true;
  };

  return {
    handlers: guarded,
    invoke: (channel, request) => dispatchInvoke(guarded, channel, request, logger),
    onPush: (listener) => pushListeners.subscribe(({ channel, payload }) => listener(channel, payload as never)),
    attachWebTestPort: (port, offer) => attachPort('web-test', WebTestPortOfferSchema, port, offer, (p) => webTest.attach(port, p)),
    attachListenPort: (port, offer) => attachPort('listen', ListenPortOfferSchema, port, offer, (p) => listen.attach(port, p)),
    openCall: (callId, action) => {
      notifier.acknowledge(callId);
      openFromNotification({ page: 'call', callId, action });
    },
    setNotificationsPaused: (paused) => {
      void handlers['settings.update']({ ...settings, notifications: { ...settings.notifications, paused } });
    },
    start: async () => {
      ready = session.restore();
      await ready;
    },
    dispose: async () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      webTest.closeAll(null);
      listen.closeAll(null);
      live.dispose();
      notifier.dispose();
      updates.dispose();
      session.dispose();
      pushListeners.clear();
    },
    session,
    live,
    notifier,
    webTest,
    listen,
    updates,
    logger,
  };
}

function knowledgeMimeType(filename: string): KnowledgeDocument['mimeType'] {
  const lower = filename.toLowerCase();
  const ext = KNOWLEDGE_EXTENSIONS.find((e) => lower.endsWith(e));
  if (ext === '.pdf') return 'application/pdf';
  if (ext === '.md' || ext === '.markdown') return 'text/markdown';
  if (ext === '.txt') return 'text/plain';
  throw userFacing('unsupported_media_type', 'Upload a text (.txt), Markdown (.md) or PDF (.pdf) document.');
}
