// In-memory ports for tests: a vault, a settings store, a notification recorder, a shell and
// OS hints that a test drives by hand. Real enough to assert on; no OS involved.
import { DEFAULT_DESKTOP_SETTINGS, type CallOpenAction, type DesktopSettings } from '@voxanne/protocol';
import type {
  DesktopNotification,
  NotificationPort,
  PowerHint,
  PowerHints,
  SecretVault,
  SettingsStore,
  ShellPort,
  TrayState,
} from '../core/ports.js';

export class MemoryVault implements SecretVault {
  readonly persistent = true;
  readonly warning = null;
  token: string | null = null;
  async getRefreshToken() {
    return this.token;
  }
  async setRefreshToken(token: string) {
    this.token = token;
  }
  async deleteRefreshToken() {
    this.token = null;
  }
}

export class MemorySettings implements SettingsStore {
  saved: DesktopSettings = structuredClone(DEFAULT_DESKTOP_SETTINGS);
  load() {
    return structuredClone(this.saved);
  }
  save(settings: DesktopSettings) {
    this.saved = structuredClone(settings);
  }
}

export class RecordingNotifications implements NotificationPort {
  shown: { notification: DesktopNotification; click: (action?: CallOpenAction) => void }[] = [];
  tray: TrayState[] = [];
  show(notification: DesktopNotification, onClick: (action?: CallOpenAction) => void) {
    this.shown.push({ notification, click: onClick });
  }
  setTrayState(state: TrayState) {
    this.tray.push(state);
  }
  get lastTray(): TrayState | undefined {
    return this.tray.at(-1);
  }
}

export class FakeShell implements ShellPort {
  focused = 0;
  opened: string[] = [];
  startAtLogin: boolean[] = [];
  readonly startAtLoginSupported = true;
  focusWindow() {
    this.focused++;
  }
  async openExternal(url: string) {
    this.opened.push(url);
  }
  setStartAtLogin(enabled: boolean) {
    this.startAtLogin.push(enabled);
  }
}

export class ManualPowerHints implements PowerHints {
  online = true;
  private readonly listeners = new Set<(hint: PowerHint) => void>();
  isOnline() {
    return this.online;
  }
  subscribe(listener: (hint: PowerHint) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  emit(hint: PowerHint) {
    if (hint === 'offline') this.online = false;
    if (hint === 'online') this.online = true;
    for (const l of [...this.listeners]) l(hint);
  }
  get listenerCount() {
    return this.listeners.size;
  }
}
