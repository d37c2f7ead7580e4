// Native notifications for the notifier policy in main/core, and the tray state beside them.
// A click opens the call (the core pushes the navigation and focuses the window).
import { Notification } from 'electron';
import type { CallOpenAction } from '@voxanne/protocol';
import type { DesktopNotification, NotificationPort, TrayState } from '../core/ports.js';
import type { Logger } from '../core/logger.js';

export class NativeNotifications implements NotificationPort {
  /** Shown notifications are kept referenced until closed, or their click handler is collected. */
  private readonly live = new Set<Notification>();

  constructor(
    private readonly onTrayState: (state: TrayState) => void,
    private readonly logger: Logger,
  ) {}

  show(notification: DesktopNotification, onClick: (action?: CallOpenAction) => void): void {
    if (!Notification.isSupported()) {
      this.logger.warn('native notifications are not supported here');
      return;
    }
    // Buttons show where the OS supports them (macOS); elsewhere the tray menu offers the same actions.
    const actions = notification.actions ?? [];
    const native = new Notification({
      title: notification.title,
      body: notification.body,
      silent: notification.kind !== 'attention',
      actions: actions.map((a) => ({ type: 'button' as const, text: a.label })),
    });
    const forget = () => this.live.delete(native);
    native.on('click', () => {
      forget();
      onClick();
    });
    native.on('action', (details) => {
      forget();
      onClick(actions[details.actionIndex]?.action);
    });
    native.on('close', forget);
    native.on('failed', (_event, error) => {
      forget();
      this.logger.warn('notification failed', { error });
    });
    this.live.add(native);
    native.show();
  }

  setTrayState(state: TrayState): void {
    this.onTrayState(state);
  }
}
