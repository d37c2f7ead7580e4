// Desktop updates, as far as the app decides anything about them: an update that has finished
// downloading waits for the person at the desk to say "Restart to update" (tray menu or the console's
// banner); it is never installed behind their back, since the window only closes to the tray and a
// restart mid-call would cut the live view. The shell supplies the actual updater (electron-updater)
// through UpdaterPort; the browser host has none.
import type { UpdateState } from '@voxanne/protocol';
import { Listeners } from './listeners.js';
import type { Logger } from './logger.js';
import { userFacing } from './user-messages.js';

/** What the shell's updater must offer. */
export interface UpdaterPort {
  /** Called once per finished download, with the version that would be installed. */
  onDownloaded(listener: (version: string) => void): () => void;
  /** Quits the app and installs the downloaded update. */
  quitAndInstall(): void;
}

export const NO_UPDATE_READY = 'No update is ready to install.';

export class UpdateCoordinator {
  private state: UpdateState = { status: 'none' };
  private readonly listeners = new Listeners<UpdateState>();
  private readonly unsubscribe: () => void;
  private installing = false;

  constructor(
    private readonly port: UpdaterPort | null,
    private readonly logger: Logger,
  ) {
    this.unsubscribe =
      port?.onDownloaded((version) => {
        if (this.state.status === 'ready' && this.state.version === version) return;
        this.logger.info('update downloaded; waiting for a restart', { version });
        this.state = { status: 'ready', version };
        this.listeners.emit(this.state);
      }) ?? (() => {});
  }

  getState(): UpdateState {
    return this.state;
  }

  onState(listener: (state: UpdateState) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /** The user confirmed: quit and install. Refused (a user-facing error) when nothing is ready. */
  restartToUpdate(): void {
    if (!this.port || this.state.status !== 'ready') throw userFacing('not_found', NO_UPDATE_READY);
    if (this.installing) return;
    this.installing = true;
    this.logger.info('restarting to install the update', { version: this.state.version });
    this.port.quitAndInstall();
  }

  dispose(): void {
    this.unsubscribe();
    this.listeners.clear();
  }
}
