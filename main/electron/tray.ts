// The tray icon: its picture follows the connection (live / reconnecting / offline) and the
// needs-attention count; its menu opens the window, shows the status, lists the calls that need a
// person (each with Listen and Take call, which open the call with that action started), offers
// "Restart to update" once an update has downloaded, pauses notifications, signs out and quits.
import path from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import type { CallOpenAction, UpdateState } from '@voxanne/protocol';
import { CALL_OPEN_ACTIONS } from '../core/notifier.js';
import type { TrayState } from '../core/ports.js';

export interface TrayActions {
  open(): void;
  /** Opens the call with the action started (the core drops the action while the console is locked). */
  openCall(callId: string, action: CallOpenAction): void;
  restartToUpdate(): void;
  setNotificationsPaused(paused: boolean): void;
  signOut(): void;
  quit(): void;
}

export type TrayIconName = 'live' | 'reconnecting' | 'offline' | 'attention';

export function trayIconFor(state: TrayState): TrayIconName {
  if (state.attentionCount > 0) return 'attention';
  if (state.connection === 'live') return 'live';
  if (state.connection === 'reconnecting') return 'reconnecting';
  return 'offline';
}

export function trayMenuTemplate(
  state: TrayState,
  actions: TrayActions,
  update: UpdateState = { status: 'none' },
): Electron.MenuItemConstructorOptions[] {
  return [
    { label: 'Open Voxanne Desk', click: () => actions.open() },
    { label: state.statusText, enabled: false },
    ...state.attentionCalls.map((call): Electron.MenuItemConstructorOptions => ({
      label: call.label,
      submenu: CALL_OPEN_ACTIONS.map(({ action, label }) => ({ label, click: () => actions.openCall(call.callId, action) })),
    })),
    ...(update.status === 'ready'
      ? ([{ label: 'Restart to update', toolTip: `Installs version ${update.version}`, click: () => actions.restartToUpdate() }] as const)
      : []),
    { type: 'separator' },
    {
      label: 'Pause notifications',
      type: 'checkbox',
      checked: state.notificationsPaused,
      click: (item) => actions.setNotificationsPaused(item.checked),
    },
    { label: 'Sign out', enabled: state.connection !== 'signed-out', click: () => actions.signOut() },
    { type: 'separator' },
    { label: 'Quit Voxanne Desk', click: () => actions.quit() },
  ];
}

export class AppTray {
  private readonly tray: Tray;
  private shownIcon: TrayIconName | null = null;
  private state: TrayState = {
    connection: 'signed-out',
    attentionCount: 0,
    attentionCalls: [],
    notificationsPaused: false,
    statusText: 'Starting…',
  };
  private updateState: UpdateState = { status: 'none' };

  constructor(
    private readonly iconDir: string,
    private readonly actions: TrayActions,
  ) {
    this.tray = new Tray(this.icon('offline'));
    this.tray.on('click', () => actions.open());
    // A menu from the first moment, before the core has reported anything.
    this.update(this.state);
  }

  setUpdateState(update: UpdateState): void {
    this.updateState = update;
    this.update(this.state);
  }

  update(state: TrayState): void {
    this.state = state;
    const icon = trayIconFor(state);
    if (icon !== this.shownIcon) {
      this.tray.setImage(this.icon(icon));
      this.shownIcon = icon;
    }
    this.tray.setToolTip(`Voxanne Desk: ${state.statusText}`);
    this.tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(state, this.actions, this.updateState)));
  }

  destroy(): void {
    this.tray.destroy();
  }

  private icon(name: TrayIconName) {
    return nativeImage.createFromPath(path.join(this.iconDir, `tray-${name}.png`));
  }
}
