// Notifier policy: which live events become native notifications, when to stay quiet, how a
// burst collapses into one summary, and what the tray shows.
//
// Notifies on: an inbound call starting, a booking made, a call that needs a human, a new item in the
// shared work queue. Never shows a transcript or a full phone number (the reception screen may be in
// view of patients). While the console is locked the person at the screen may not be staff at all:
// notifications still announce that something happened, in words that name no one.
// The tray counts the clinic's work items not yet done, once the backend has said how many, and lists
// the calls in progress that need a person, each with Listen and Take call (as the notification's
// buttons offer, where the OS shows buttons).
import {
  WORK_ITEM_KIND_LABELS,
  maskPhoneNumber,
  type CallOpenAction,
  type ConnectionState,
  type DesktopSettings,
  type LiveEvent,
  type Navigate,
} from '@voxanne/protocol';
import type { Logger } from './logger.js';
import type { Clock, DesktopNotification, NotificationKind, NotificationPort, TimerHandle, TrayConnection, TrayState } from './ports.js';

/** More than this many notifications within the window collapse into one summary. */
export const STORM_LIMIT = 3;
export const STORM_WINDOW_MS = 10_000;
/** A call that started longer ago than this (replayed after a reconnect) is not announced. */
export const STALE_CALL_MS = 60_000;
/** The tray menu lists at most this many calls that need a person (newest first). */
export const TRAY_ATTENTION_CALLS = 5;

/** The buttons a call that needs a person offers, on its notification and in the tray. */
export const CALL_OPEN_ACTIONS: { action: CallOpenAction; label: string }[] = [
  { action: 'listen', label: 'Listen' },
  { action: 'take', label: 'Take call' },
];

const ATTENTION_TEXT = {
  transfer_requested: 'A caller asked to be transferred',
  tool_failed: "The assistant couldn't finish a task",
  caller_asked_for_staff: 'A caller asked for a person',
  assistant_silent: 'The assistant went silent on a call',
} as const;

/** What a locked console's notifications say instead: that something happened, never who or what. */
export const LOCKED_TEXT: Record<Exclude<NotificationKind, 'summary'>, { title: string; body: string }> = {
  'inbound-call': { title: 'Incoming call', body: 'Unlock Voxanne Desk to see who is calling.' },
  booking: { title: 'New booking', body: 'Unlock Voxanne Desk to see it.' },
  attention: { title: 'A caller needs a person', body: 'Unlock Voxanne Desk to see the call.' },
};

export interface NotifierOptions {
  port: NotificationPort;
  clock: Clock;
  logger: Logger;
  settings: DesktopSettings;
  /** IANA zone for quiet hours and times in notifications; the system's when absent. */
  timeZone?: string;
  /** A notification was clicked: open what it is about. */
  onOpen: (navigate: Navigate) => void;
  newId?: () => string;
}

export class DesktopNotifier {
  private settings: DesktopSettings;
  private connection: ConnectionState['status'] = 'signed-out';
  private connectionReason: string | null = null;
  /** Calls (or call-less alerts) waiting for a human, by call id or event id, in arrival order; `who` names the caller. */
  private readonly attention = new Map<string, { callId: string | null; who: string | null }>();
  /** The clinic's work items not yet done; null until the backend has said. */
  private workQueueOpen: number | null = null;
  private locked = false;
  private shownAt: number[] = [];
  private held: DesktopNotification[] = [];
  private summaryTimer: TimerHandle | null = null;
  /** Notifications already written to name nobody (more precise than the generic words for their kind). */
  private readonly nameless = new WeakSet<DesktopNotification>();
  private readonly o: NotifierOptions;
  private readonly newId: () => string;

  constructor(options: NotifierOptions) {
    this.o = options;
    this.settings = options.settings;
    this.newId = options.newId ?? (() => globalThis.crypto.randomUUID());
    this.publishTray();
  }

  applySettings(settings: DesktopSettings): void {
    this.settings = settings;
    this.publishTray();
  }

  setConnection(state: ConnectionState): void {
    this.connection = state.status;
    this.connectionReason = state.reason;
    this.publishTray();
  }

  /** While locked every notification is shown in its generic words (checked when shown, so held ones too). */
  setLocked(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.publishTray();
  }

  /** The open count from a fresh listing (on connecting); live events keep it current after. */
  setWorkQueueCount(count: number): void {
    if (this.workQueueOpen === count) return;
    this.workQueueOpen = count;
    this.publishTray();
  }

  get workQueueCount(): number | null {
    return this.workQueueOpen;
  }

  /** Sign-out: forget the attention queue and anything held back. */
  reset(): void {
    this.attention.clear();
    this.workQueueOpen = null;
    this.held = [];
    this.shownAt = [];
    this.o.clock.clearTimeout(this.summaryTimer);
    this.summaryTimer = null;
    this.publishTray();
  }

  /** The user opened this call: it no longer counts as waiting. */
  acknowledge(callId: string): void {
    if (this.attention.delete(callId)) this.publishTray();
  }

  get attentionCount(): number {
    return this.attention.size;
  }

  handleEvent(event: LiveEvent): void {
    const notification = this.notificationFor(event);
    this.trackAttention(event);
    if (event.kind === 'work_item.changed') this.setWorkQueueCount(event.data.counts.total);
    if (!notification) return;
    if (this.isSilenced(notification.kind)) return;
    this.deliver(notification);
  }

  dispose(): void {
    this.o.clock.clearTimeout(this.summaryTimer);
    this.summaryTimer = null;
  }

  private notificationFor(event: LiveEvent): DesktopNotification | null {
    switch (event.kind) {
      case 'call.started': {
        const call = event.data.call;
        if (call.direction !== 'inbound' || call.isTest) return null;
        if (this.o.clock.now() - Date.parse(event.at) > STALE_CALL_MS) return null;
        // Front desk already receives the number as its last three digits ("…123"): shown as is.
        const who =
          call.patientName ??
          (call.callerNumber
            ? call.callerNumber.startsWith('…')
              ? call.callerNumber
              : maskPhoneNumber(call.callerNumber)
            : 'Unknown caller');
        return this.make('inbound-call', 'Incoming call', `${who} — the assistant is answering.`, { page: 'call', callId: call.id });
      }
      case 'booking.created': {
        const b = event.data.booking;
        const what = b.service ?? 'Appointment';
        return this.make(
          'booking',
          'New booking',
          `${b.patientName}: ${what}, ${this.formatWhen(b.startsAt)}`,
          b.callId ? { page: 'call', callId: b.callId } : { page: 'dashboard' },
        );
      }
      case 'attention.needed': {
        const d = event.data;
        const who = attentionWho(event);
        const notification = this.make(
          'attention',
          ATTENTION_TEXT[d.reason],
          who ? `${who}: ${d.message}` : d.message,
          d.callId ? { page: 'call', callId: d.callId } : { page: 'dashboard' },
        );
        if (d.callId) notification.actions = CALL_OPEN_ACTIONS;
        return notification;
      }
      case 'work_item.changed': {
        const { item, change } = event.data;
        // A call that needs a person was announced by its attention.needed already.
        if (change !== 'created' || item.kind === 'needs_person') return null;
        const navigate: Navigate = { page: 'dashboard' };
        if (this.locked) {
          const nameless = this.make('attention', 'New in the work queue', 'Something new is waiting for the front desk.', navigate);
          this.nameless.add(nameless);
          return nameless;
        }
        const who = item.patientName ?? (item.callerNumber ? maskPhoneNumber(item.callerNumber) : 'Unknown caller');
        return this.make('attention', `${WORK_ITEM_KIND_LABELS[item.kind]}`, `${who}: ${item.title}`, navigate);
      }
      default:
        return null;
    }
  }

  private trackAttention(event: LiveEvent): void {
    let changed = false;
    if (event.kind === 'attention.needed') {
      const key = event.data.callId ?? event.id;
      changed = !this.attention.has(key);
      this.attention.set(key, { callId: event.data.callId, who: attentionWho(event) });
    } else if ((event.kind === 'call.status' || event.kind === 'call.ended') && !event.data.call.needsAttention) {
      changed = this.attention.delete(event.data.call.id);
    }
    if (changed) this.publishTray();
  }

  private isSilenced(kind: NotificationKind): boolean {
    const n = this.settings.notifications;
    if (n.paused) return true;
    if (kind === 'inbound-call' && !n.inboundCall) return true;
    if (kind === 'booking' && !n.booking) return true;
    if (kind === 'attention' && !n.attention) return true;
    return this.inQuietHours();
  }

  inQuietHours(): boolean {
    const q = this.settings.quietHours;
    if (!q.enabled || q.start === q.end) return false;
    const now = this.localTimeOfDay();
    return q.start < q.end ? now >= q.start && now < q.end : now >= q.start || now < q.end;
  }

  private localTimeOfDay(): string {
    const parts = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: this.o.timeZone,
    }).formatToParts(new Date(this.o.clock.now()));
    const hour = parts.find((p) => p.type === 'hour')?.value ?? '00';
    const minute = parts.find((p) => p.type === 'minute')?.value ?? '00';
    return `${hour}:${minute}`;
  }

  private formatWhen(iso: string): string {
    return new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: this.o.timeZone,
    }).format(new Date(iso));
  }

  // Storm control: up to STORM_LIMIT in any STORM_WINDOW_MS show one by one; the rest wait and go
  // out as one summary when the window has passed.
  private deliver(notification: DesktopNotification): void {
    const now = this.o.clock.now();
    this.shownAt = this.shownAt.filter((t) => now - t < STORM_WINDOW_MS);
    if (this.shownAt.length < STORM_LIMIT && this.held.length === 0) {
      this.show(notification, now);
      return;
    }
    this.held.push(notification);
    if (this.summaryTimer === null) {
      const oldest = this.shownAt[0] ?? now;
      this.summaryTimer = this.o.clock.setTimeout(() => this.flushHeld(), Math.max(0, oldest + STORM_WINDOW_MS - now));
    }
  }

  private flushHeld(): void {
    this.summaryTimer = null;
    const held = this.held;
    this.held = [];
    if (held.length === 0) return;
    const now = this.o.clock.now();
    const first = held[0];
    if (held.length === 1 && first) {
      this.show(first, now);
      return;
    }
    const count = (kind: NotificationKind) => held.filter((n) => n.kind === kind).length;
    const parts = [
      [count('attention'), 'need you', 'needs you'],
      [count('inbound-call'), 'incoming calls', 'incoming call'],
      [count('booking'), 'new bookings', 'new booking'],
    ] as const;
    const body = parts
      .filter(([n]) => n > 0)
      .map(([n, plural, singular]) => `${n} ${n === 1 ? singular : plural}`)
      .join(', ');
    const calls = new Set(held.map((n) => (n.navigate.page === 'call' ? n.navigate.callId : '')));
    const [onlyCall] = calls;
    const navigate: Navigate = calls.size === 1 && onlyCall ? { page: 'call', callId: onlyCall } : { page: 'dashboard' };
    this.show(this.make('summary', `${held.length} updates from Voxanne`, body, navigate), now);
  }

  private show(original: DesktopNotification, now: number): void {
    // A summary only counts ("2 incoming calls"): safe as it is.
    const notification =
      this.locked && original.kind !== 'summary' && !this.nameless.has(original)
        ? { ...original, ...LOCKED_TEXT[original.kind] }
        : original;
    this.shownAt.push(now);
    this.o.logger.debug('notification', { kind: notification.kind });
    this.o.port.show(notification, (action) => {
      const navigate = notification.navigate;
      if (navigate.page !== 'call') return this.o.onOpen(navigate);
      this.acknowledge(navigate.callId);
      // Only a button this notification offered: a port cannot make up an action.
      const offered = action && notification.actions?.some((a) => a.action === action);
      this.o.onOpen(offered ? { ...navigate, action } : navigate);
    });
  }

  private make(kind: NotificationKind, title: string, body: string, navigate: Navigate): DesktopNotification {
    return { id: this.newId(), kind, title, body, navigate };
  }

  private publishTray(): void {
    const connection: TrayConnection =
      this.connection === 'live'
        ? 'live'
        : this.connection === 'offline'
          ? 'offline'
          : this.connection === 'signed-out'
            ? 'signed-out'
            : 'reconnecting';
    const label = { live: 'Live', reconnecting: 'Reconnecting', offline: 'Offline', 'signed-out': 'Signed out' }[connection];
    let statusText =
      connection === 'live' || connection === 'signed-out' || !this.connectionReason ? label : `${label}: ${this.connectionReason}`;
    if (this.workQueueOpen !== null) {
      if (this.workQueueOpen > 0) statusText += ` · ${this.workQueueOpen} open in the work queue`;
    } else if (this.attention.size > 0) {
      statusText += ` · ${this.attention.size} ${this.attention.size === 1 ? 'call needs' : 'calls need'} you`;
    }
    if (this.settings.notifications.paused) statusText += ' · notifications paused';
    if (this.locked) statusText += ' · locked';
    const attentionCalls = [...this.attention.values()]
      .filter((a): a is { callId: string; who: string | null } => a.callId !== null)
      .reverse()
      .slice(0, TRAY_ATTENTION_CALLS)
      // The tray is on screen while locked too: then it names no one.
      .map((a) => ({ callId: a.callId, label: `${(!this.locked && a.who) || 'A caller'} needs a person` }));
    const state: TrayState = {
      connection,
      attentionCount: this.workQueueOpen ?? this.attention.size,
      attentionCalls,
      notificationsPaused: this.settings.notifications.paused,
      statusText,
    };
    this.o.port.setTrayState(state);
  }
}

/** The caller of an attention event as a notification may name them: a patient's name or a masked number. */
function attentionWho(event: Extract<LiveEvent, { kind: 'attention.needed' }>): string | null {
  const d = event.data;
  return d.patientName ?? (d.callerNumber ? maskPhoneNumber(d.callerNumber) : null);
}
