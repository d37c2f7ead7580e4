// The browser host's NotificationPort: notifications are kept in memory (the last 200) instead of
// shown by the OS, and the host exposes them to tests, which can also "click" one.
import type { CallOpenAction } from '@voxanne/protocol';
import type { DesktopNotification, NotificationPort, TrayState } from '../core/ports.js';

const KEEP = 200;

export interface RecordedNotification extends DesktopNotification {
  shownAt: string;
  clicked: boolean;
}

export class RecordingNotifier implements NotificationPort {
  private readonly shown: { record: RecordedNotification; onClick: (action?: CallOpenAction) => void }[] = [];
  tray: TrayState | null = null;

  show(notification: DesktopNotification, onClick: (action?: CallOpenAction) => void): void {
    this.shown.push({ record: { ...notification, shownAt: new Date().toISOString(), clicked: false }, onClick });
    if (this.shown.length > KEEP) this.shown.shift();
  }

  setTrayState(state: TrayState): void {
    this.tray = state;
  }

  list(): RecordedNotification[] {
    return this.shown.map((s) => s.record);
  }

  /** As if the user clicked it (or one of its buttons); false when there is no such notification or button. */
  click(id: string, action?: CallOpenAction): boolean {
    const entry = this.shown.find((s) => s.record.id === id);
    if (!entry) return false;
    if (action && !entry.record.actions?.some((a) => a.action === action)) return false;
    entry.record.clicked = true;
    entry.onClick(action);
    return true;
  }
}
