// The Electron shell's security checklist and vault, against a faked `electron`
// module: the binary is not on this machine, and these are the decisions the shell makes itself.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LISTEN_PORT_CHANNEL, WEB_TEST_PORT_CHANNEL, ipcInvokeChannels } from '@voxanne/protocol';
import type { BrowserWindow, IpcMain, Session, WebContents } from 'electron';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DesktopCore } from '../core/desktop-core.js';
import { silentLogger } from '../core/logger.js';
import type { TrayState } from '../core/ports.js';

const electron = vi.hoisted(() => ({
  shell: { openExternal: vi.fn(async () => {}) },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  net: { fetch: vi.fn(), isOnline: vi.fn(() => true) },
  Menu: { buildFromTemplate: vi.fn((template: unknown) => ({ template })) },
  nativeImage: { createFromPath: vi.fn((p: string) => ({ path: p })) },
  Tray: vi.fn(),
  Notification: vi.fn(),
}));
vi.mock('electron', () => electron);

const { APP_ENTRY_URL, CONTENT_SECURITY_POLICY, hardenWebContents, installPermissionHandlers, isAppUrl, secureWindowOptions } =
  await import('./window-security.js');
const { bindIpc } = await import('./ipc-binding.js');
const { SafeStorageVault, NO_KEYCHAIN_WARNING } = await import('./vault.js');
const { resolveRendererFile } = await import('./app-protocol.js');
const { trayIconFor, trayMenuTemplate } = await import('./tray.js');

beforeEach(() => {
  vi.clearAllMocks();
});

describe('window: webPreferences', () => {
  it('isolates and sandboxes the renderer and turns off everything it does not need', () => {
    const options = secureWindowOptions('/app/preload.cjs', false);
    expect(options.webPreferences).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: false,
    });
    expect(options.show).toBe(false);
  });

  it('serves the app from its own origin under a strict CSP', () => {
    expect(APP_ENTRY_URL).toBe('app://voxanne/index.html');
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
    expect(isAppUrl('app://voxanne/index.html')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('https://voxanne/index.html')).toBe(false);
  });
});

function fakeWebContents() {
  const contents = new EventEmitter() as EventEmitter & { setWindowOpenHandler: ReturnType<typeof vi.fn> };
  contents.setWindowOpenHandler = vi.fn();
  hardenWebContents(contents as unknown as WebContents, ['docs.vapi.ai'], silentLogger);
  const openHandler = contents.setWindowOpenHandler.mock.calls[0]?.[0] as (d: { url: string }) => { action: string };
  const fire = (name: string, url?: string) => {
    const event = { preventDefault: vi.fn() };
    contents.emit(name, event, url);
    return event.preventDefault.mock.calls.length > 0;
  };
  return { fire, openHandler };
}

describe('web contents: navigation and new windows', () => {
  it('blocks navigation and redirects away from the app', () => {
    const { fire } = fakeWebContents();
    expect(fire('will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'app://voxanne/index.html#/calls')).toBe(false);
    expect(fire('will-attach-webview')).toBe(true);
  });

  it('denies every window.open, sending only allow-listed https links to the browser', () => {
    const { openHandler } = fakeWebContents();
    expect(openHandler({ url: 'https://docs.vapi.ai/assistants' })).toEqual({ action: 'deny' });
    expect(openHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openHandler({ url: 'http://docs.vapi.ai/' })).toEqual({ action: 'deny' });
    expect(openHandler({ url: 'app://voxanne/index.html' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal.mock.calls).toEqual([['https://docs.vapi.ai/assistants']]);
  });
});

describe('permissions: microphone for the app page only', () => {
  const session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() };
  installPermissionHandlers(session as unknown as Session, silentLogger);
  const request = session.setPermissionRequestHandler.mock.calls[0]?.[0] as (...args: unknown[]) => void;
  const check = session.setPermissionCheckHandler.mock.calls[0]?.[0] as (...args: unknown[]) => boolean;
  const ask = (permission: string, details: Record<string, unknown>) => {
    let granted: boolean | undefined;
    request({}, permission, (g: boolean) => (granted = g), details);
    return granted;
  };
  const own = { isMainFrame: true, requestingUrl: 'app://voxanne/index.html' };

  it('grants the microphone to the app’s own main frame', () => {
    expect(ask('media', { ...own, mediaTypes: ['audio'] })).toBe(true);
    expect(
      check({}, 'media', 'app://voxanne', {
        isMainFrame: true,
        mediaType: 'audio',
        securityOrigin: 'app://voxanne',
        requestingUrl: own.requestingUrl,
      }),
    ).toBe(true);
  });

  it('refuses the camera, even together with the microphone', () => {
    expect(ask('media', { ...own, mediaTypes: ['video'] })).toBe(false);
    expect(ask('media', { ...own, mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(ask('media', { ...own, mediaTypes: [] })).toBe(false);
    expect(check({}, 'media', 'app://voxanne', { isMainFrame: true, mediaType: 'video', securityOrigin: 'app://voxanne' })).toBe(false);
  });

  it('refuses other origins and sub-frames', () => {
    expect(ask('media', { isMainFrame: true, requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] })).toBe(false);
    expect(ask('media', { isMainFrame: false, requestingUrl: 'app://voxanne/frame.html', mediaTypes: ['audio'] })).toBe(false);
    expect(
      check({}, 'media', 'https://evil.example', { isMainFrame: true, mediaType: 'audio', securityOrigin: 'https://evil.example' }),
    ).toBe(false);
    expect(check({}, 'media', 'app://voxanne', { isMainFrame: false, mediaType: 'audio', securityOrigin: 'app://voxanne' })).toBe(false);
  });

  it('refuses every other permission', () => {
    for (const permission of ['notifications', 'geolocation', 'openExternal', 'clipboard-read', 'display-capture', 'midi', 'fileSystem']) {
      expect(ask(permission, own), permission).toBe(false);
      expect(check({}, permission, 'app://voxanne', { isMainFrame: true }), permission).toBe(false);
    }
  });
});

describe('IPC binding: sender checked, arguments validated', () => {
  function setup() {
    const handlers = new Map<string, (event: unknown, request: unknown) => Promise<unknown>>();
    const listeners = new Map<string, (event: unknown, arg: unknown) => void>();
    const ipcMain = {
      handle: vi.fn((channel: string, fn: (event: unknown, request: unknown) => Promise<unknown>) => handlers.set(channel, fn)),
      removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
      on: vi.fn((channel: string, fn: (event: unknown, arg: unknown) => void) => listeners.set(channel, fn)),
      removeListener: vi.fn((channel: string) => listeners.delete(channel)),
    };
    const mainFrame = { url: 'app://voxanne/index.html', parent: null };
    const webContents = { mainFrame, send: vi.fn() };
    const window = { webContents, isDestroyed: () => false };
    let push: ((channel: string, payload: unknown) => void) | undefined;
    const core = {
      invoke: vi.fn(async (channel: string, request: unknown) => ({ ok: true, data: { channel, request } })),
      onPush: vi.fn((listener: typeof push) => {
        push = listener;
        return () => (push = undefined);
      }),
      attachWebTestPort: vi.fn(() => true),
      attachListenPort: vi.fn(() => true),
    };
    const unbind = bindIpc(
      ipcMain as unknown as IpcMain,
      core as unknown as DesktopCore,
      () => window as unknown as BrowserWindow,
      silentLogger,
    );
    return { handlers, listeners, core, webContents, mainFrame, unbind, push: (c: string, p: unknown) => push?.(c, p) };
  }

  it('binds every invoke channel, and nothing else', () => {
    const { handlers, listeners } = setup();
    expect([...handlers.keys()].sort()).toEqual(Object.keys(ipcInvokeChannels).sort());
    expect([...listeners.keys()]).toEqual([WEB_TEST_PORT_CHANNEL, LISTEN_PORT_CHANNEL]);
  });

  it('passes a request from the app’s main frame to the core’s validating door', async () => {
    const { handlers, core, webContents, mainFrame } = setup();
    const result = await handlers.get('calls.list')?.({ sender: webContents, senderFrame: mainFrame }, { limit: 5 });
    expect(result).toEqual({ ok: true, data: { channel: 'calls.list', request: { limit: 5 } } });
    expect(core.invoke).toHaveBeenCalledWith('calls.list', { limit: 5 });
  });

  it('refuses requests from a sub-frame, another page, another window or a destroyed frame', async () => {
    const { handlers, core, webContents, mainFrame } = setup();
    const refused = { ok: false, error: { code: 'forbidden', message: 'This request did not come from the Voxanne window.' } };
    const subFrame = { url: 'app://voxanne/index.html', parent: mainFrame };
    const elsewhere = { url: 'https://evil.example/', parent: null };
    expect(await handlers.get('session.getState')?.({ sender: webContents, senderFrame: subFrame }, {})).toEqual(refused);
    expect(await handlers.get('session.getState')?.({ sender: webContents, senderFrame: null }, {})).toEqual(refused);
    expect(await handlers.get('session.getState')?.({ sender: { mainFrame: elsewhere }, senderFrame: elsewhere }, {})).toEqual(refused);
    mainFrame.url = 'https://evil.example/';
    expect(await handlers.get('session.getState')?.({ sender: webContents, senderFrame: mainFrame }, {})).toEqual(refused);
    expect(core.invoke).not.toHaveBeenCalled();
  });

  it('hands a web-test port from the app to the core, and closes one from anywhere else', () => {
    const { listeners, core, webContents, mainFrame } = setup();
    const port = { start: vi.fn(), close: vi.fn(), on: vi.fn(), postMessage: vi.fn() };
    listeners.get(WEB_TEST_PORT_CHANNEL)?.({ sender: webContents, senderFrame: mainFrame, ports: [port] }, { type: 'offer' });
    expect(core.attachWebTestPort).toHaveBeenCalledTimes(1);
    expect(port.start).toHaveBeenCalled();
    const stranger = { start: vi.fn(), close: vi.fn(), on: vi.fn(), postMessage: vi.fn() };
    listeners.get(WEB_TEST_PORT_CHANNEL)?.(
      { sender: webContents, senderFrame: { url: 'https://evil.example/', parent: null }, ports: [stranger] },
      {},
    );
    expect(stranger.close).toHaveBeenCalled();
    expect(core.attachWebTestPort).toHaveBeenCalledTimes(1);
  });

  it('hands a listen port from the app to the core, and closes one from anywhere else', () => {
    const { listeners, core, webContents, mainFrame } = setup();
    const port = { start: vi.fn(), close: vi.fn(), on: vi.fn(), postMessage: vi.fn() };
    listeners.get(LISTEN_PORT_CHANNEL)?.({ sender: webContents, senderFrame: mainFrame, ports: [port] }, { type: 'offer' });
    expect(core.attachListenPort).toHaveBeenCalledTimes(1);
    expect(core.attachWebTestPort).not.toHaveBeenCalled();
    const stranger = { start: vi.fn(), close: vi.fn(), on: vi.fn(), postMessage: vi.fn() };
    listeners.get(LISTEN_PORT_CHANNEL)?.(
      { sender: webContents, senderFrame: { url: 'https://evil.example/', parent: null }, ports: [stranger] },
      {},
    );
    expect(stranger.close).toHaveBeenCalled();
    expect(core.attachListenPort).toHaveBeenCalledTimes(1);
  });

  it('sends pushes to the app window only, and unbinds everything', () => {
    const { push, webContents, unbind, handlers, listeners } = setup();
    push('connection.onState', { status: 'live' });
    expect(webContents.send).toHaveBeenCalledWith('connection.onState', { status: 'live' });
    unbind();
    expect(handlers.size).toBe(0);
    expect(listeners.size).toBe(0);
  });
});

function fakeSafeStorage(backend: string, available = true) {
  return {
    isEncryptionAvailable: vi.fn(() => available),
    getSelectedStorageBackend: vi.fn(() => backend as 'basic_text'),
    encryptString: vi.fn((plain: string) => Buffer.from(`enc:${plain}`)),
    decryptString: vi.fn((cipher: Buffer) => cipher.toString().replace(/^enc:/, '')),
  };
}
function memoryStore() {
  const map = new Map<string, unknown>();
  return {
    map,
    get: (k: string) => map.get(k),
    set: (k: string, v: unknown) => void map.set(k, v),
    delete: (k: string) => void map.delete(k),
  };
}

describe('vault: refresh token at rest', () => {
  it('stores only ciphertext, tagged with the keychain backend, and reads it back', async () => {
    const store = memoryStore();
    const vault = new SafeStorageVault(fakeSafeStorage('gnome_libsecret'), store, 'linux');
    await vault.setRefreshToken('rt-secret');
    expect(JSON.stringify([...store.map])).not.toContain('rt-secret');
    expect(store.map.get('refreshToken')).toEqual({
      backend: 'gnome_libsecret',
      ciphertext: Buffer.from('enc:rt-secret').toString('base64'),
    });
    expect(await vault.getRefreshToken()).toBe('rt-secret');
    expect(vault).toMatchObject({ persistent: true, warning: null });
  });

  it('refuses to persist on Linux basic_text: memory only, the user told, old ciphertext removed', async () => {
    const store = memoryStore();
    store.set('refreshToken', { backend: 'gnome_libsecret', ciphertext: 'b2xk' });
    const safe = fakeSafeStorage('basic_text');
    const vault = new SafeStorageVault(safe, store, 'linux');
    expect(vault).toMatchObject({ persistent: false, warning: NO_KEYCHAIN_WARNING });
    expect(store.map.size).toBe(0);
    await vault.setRefreshToken('rt-secret');
    expect(store.map.size).toBe(0);
    expect(safe.encryptString).not.toHaveBeenCalled();
    expect(await vault.getRefreshToken()).toBe('rt-secret');
    await vault.deleteRefreshToken();
    expect(await vault.getRefreshToken()).toBeNull();
  });

  it('refuses to persist when encryption is unavailable', () => {
    expect(new SafeStorageVault(fakeSafeStorage('unknown', false), memoryStore(), 'win32').persistent).toBe(false);
  });

  it('forgets a token encrypted by a different keychain backend', async () => {
    const store = memoryStore();
    store.set('refreshToken', { backend: 'kwallet5', ciphertext: Buffer.from('enc:x').toString('base64') });
    const vault = new SafeStorageVault(fakeSafeStorage('gnome_libsecret'), store, 'linux');
    expect(await vault.getRefreshToken()).toBeNull();
    expect(store.map.size).toBe(0);
  });
});

describe('app:// protocol: files from the renderer folder only', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'voxanne-renderer-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps app URLs into the folder and client routes to index.html', () => {
    expect(resolveRendererFile(dir, 'app://voxanne/assets/app.js')).toBe(path.join(dir, 'assets/app.js'));
    expect(resolveRendererFile(dir, 'app://voxanne/')).toBe(path.join(dir, 'index.html'));
    expect(resolveRendererFile(dir, 'app://voxanne/calls/123')).toBe(path.join(dir, 'index.html'));
  });

  it('refuses paths that climb out, other hosts and other schemes', () => {
    expect(resolveRendererFile(dir, 'app://voxanne/..%2F..%2Fetc%2Fpasswd.txt')).toBeNull();
    expect(resolveRendererFile(dir, 'app://voxanne/assets/..%2F..%2F..%2Fsecret.txt')).toBeNull();
    // The URL parser folds an encoded `..` segment away before we see it: it stays inside.
    expect(resolveRendererFile(dir, 'app://voxanne/%2e%2e/secret.txt')).toBe(path.join(dir, 'secret.txt'));
    expect(resolveRendererFile(dir, 'app://other/index.html')).toBeNull();
    expect(resolveRendererFile(dir, 'file:///etc/passwd')).toBeNull();
    expect(resolveRendererFile(dir, 'app://voxanne/a%00b.js')).toBeNull();
  });
});

describe('tray', () => {
  const trayActions = () => ({
    open: vi.fn(),
    openCall: vi.fn(),
    restartToUpdate: vi.fn(),
    setNotificationsPaused: vi.fn(),
    signOut: vi.fn(),
    quit: vi.fn(),
  });
  const state = (overrides: Partial<TrayState>): TrayState => ({
    connection: 'live',
    attentionCount: 0,
    attentionCalls: [],
    notificationsPaused: false,
    statusText: 'Live',
    ...overrides,
  });

  it('shows the connection, and attention above all', () => {
    expect(trayIconFor(state({}))).toBe('live');
    expect(trayIconFor(state({ connection: 'reconnecting' }))).toBe('reconnecting');
    expect(trayIconFor(state({ connection: 'offline' }))).toBe('offline');
    expect(trayIconFor(state({ connection: 'signed-out' }))).toBe('offline');
    expect(trayIconFor(state({ connection: 'reconnecting', attentionCount: 2 }))).toBe('attention');
  });

  it('offers open, status, pause, sign out and quit', () => {
    const actions = trayActions();
    const menu = trayMenuTemplate(state({ statusText: 'Live · 1 call needs you' }), actions);
    expect(menu.filter((i) => i.label).map((i) => i.label)).toEqual([
      'Open Voxanne Desk',
      'Live · 1 call needs you',
      'Pause notifications',
      'Sign out',
      'Quit Voxanne Desk',
    ]);
    const pause = menu.find((i) => i.label === 'Pause notifications');
    pause?.click?.({ checked: true } as never, undefined, undefined as never);
    expect(actions.setNotificationsPaused).toHaveBeenCalledWith(true);
  });

  it('lists the calls that need a person, each offering Listen and Take call', () => {
    const actions = trayActions();
    const callId = randomUUID();
    const menu = trayMenuTemplate(
      state({ attentionCount: 1, attentionCalls: [{ callId, label: 'Ada Lovelace needs a person' }] }),
      actions,
    );
    const item = menu.find((i) => i.label === 'Ada Lovelace needs a person');
    const submenu = item?.submenu as Electron.MenuItemConstructorOptions[];
    expect(submenu.map((i) => i.label)).toEqual(['Listen', 'Take call']);
    submenu[0]?.click?.({} as never, undefined, undefined as never);
    submenu[1]?.click?.({} as never, undefined, undefined as never);
    expect(actions.openCall.mock.calls).toEqual([
      [callId, 'listen'],
      [callId, 'take'],
    ]);
  });

  it('offers "Restart to update" once an update has downloaded, and only then', () => {
    const actions = trayActions();
    const labels = (menu: ReturnType<typeof trayMenuTemplate>) => menu.filter((i) => i.label).map((i) => i.label);
    expect(labels(trayMenuTemplate(state({}), actions, { status: 'none' }))).not.toContain('Restart to update');
    const menu = trayMenuTemplate(state({}), actions, { status: 'ready', version: '1.2.3' });
    expect(labels(menu).slice(0, 3)).toEqual(['Open Voxanne Desk', 'Live', 'Restart to update']);
    expect(actions.restartToUpdate).not.toHaveBeenCalled();
    menu.find((i) => i.label === 'Restart to update')?.click?.({} as never, undefined, undefined as never);
    expect(actions.restartToUpdate).toHaveBeenCalledTimes(1);
  });
});
