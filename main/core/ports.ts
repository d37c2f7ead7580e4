// The OS-facing parts main/core is built from. The Electron shell and the browser host each supply
// their own; tests supply real servers and fake timers. Nothing here imports `electron`.
import type { CallOpenAction, DesktopSettings, Navigate } from '@voxanne/protocol';

/** Time and timers, injected so backoff, refresh, heartbeat, coalescing and auto-lock run under fake timers. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null | undefined): void;
}
/** Opaque: only ever handed back to the same clock's clearTimeout. */
export type TimerHandle = unknown;

/** The real clock. Looks the globals up on every call so vitest's fake timers apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => {
    if (handle !== null && handle !== undefined) globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};

/** Where the refresh token is kept between runs. The access token never goes here. */
export interface SecretVault {
  /** False when the token only lives in memory (e.g. Linux without a keychain). */
  readonly persistent: boolean;
  /** Shown to the user when `persistent` is false. */
  readonly warning: string | null;
  getRefreshToken(): Promise<string | null>;
  setRefreshToken(token: string): Promise<void>;
  deleteRefreshToken(): Promise<void>;
}

export type NotificationKind = 'inbound-call' | 'booking' | 'attention' | 'summary';
export interface DesktopNotification {
  /** Unique per notification; lets a shell replace or a test click a specific one. */
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  /** Where a click takes the user. */
  navigate: Navigate;
  /** Buttons on the notification (a call that needs a person: Listen, Take call), where the OS shows them. */
  actions?: { action: CallOpenAction; label: string }[];
}

export type TrayConnection = 'live' | 'reconnecting' | 'offline' | 'signed-out';
export interface TrayState {
  connection: TrayConnection;
  /** The clinic's work items not yet done (before the backend has said: calls waiting for a human). */
  attentionCount: number;
  /** Calls in progress that need a person, newest first (a few): the tray offers Listen and Take call on each. */
  attentionCalls: { callId: string; label: string }[];
  notificationsPaused: boolean;
  /** One line for the tooltip and the menu's status item. */
  statusText: string;
}

/** Native notifications and the tray icon. */
export interface NotificationPort {
  /** `onClick` gets the button's action when one of the notification's `actions` was clicked. */
  show(notification: DesktopNotification, onClick: (action?: CallOpenAction) => void): void;
  setTrayState(state: TrayState): void;
}

/** The window and the OS integration the core asks for by name. */
export interface ShellPort {
  /** Bring the console window to the front (notification click, second launch). */
  focusWindow(): void;
  /** Open an already allow-listed https URL in the user's browser. */
  openExternal(url: string): Promise<void>;
  readonly startAtLoginSupported: boolean;
  setStartAtLogin(enabled: boolean): void;
}

export type PowerHint = 'online' | 'offline' | 'resume' | 'suspend';
/** The OS telling us the network or the machine changed under us. */
export interface PowerHints {
  isOnline(): boolean;
  subscribe(listener: (hint: PowerHint) => void): () => void;
}

export interface SettingsStore {
  load(): DesktopSettings;
  save(settings: DesktopSettings): void;
}

/** How a socket ended; reported exactly once per socket. */
export interface SocketClosed {
  code: number;
  reason: string;
  /** Whether the handshake completed before it ended. */
  wasOpen: boolean;
  /** HTTP status when the server refused the upgrade (e.g. 401 for a bad token). */
  handshakeStatus: number | null;
  /** The transport error, when there was one. */
  error: string | null;
}

export interface SocketHandlers {
  onOpen(protocol: string): void;
  onMessage(data: string | Uint8Array, isBinary: boolean): void;
  /** Any sign of life that is not a message (ping or pong frames). */
  onActivity(): void;
  onClose(closed: SocketClosed): void;
}

export interface ClientSocket {
  send(data: string | Uint8Array): void;
  /** Sends a ping frame; the server's pong arrives as `onActivity`. */
  ping(): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection now, without the closing handshake. */
  terminate(): void;
  readonly bufferedAmount: number;
}

export type SocketFactory = (url: string, protocols: string[], handlers: SocketHandlers) => ClientSocket;

export type FetchLike = typeof fetch;
