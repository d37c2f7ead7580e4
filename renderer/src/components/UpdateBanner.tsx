// "An update is ready — Restart to update": shown above every signed-in page once main reports a
// downloaded update. Restarting is the user's call; nothing installs without this click (or the tray's).
import { errorMessage } from '../format/errors';
import { useUpdates, useStores } from '../stores/context';

export function UpdateBanner() {
  const stores = useStores();
  const update = useUpdates((s) => s.update);
  const restarting = useUpdates((s) => s.restarting);
  const error = useUpdates((s) => s.restartError);
  if (update.status !== 'ready') return null;
  return (
    <div className="notice notice--info update-banner" role="status">
      <p className="notice__body">
        An update is ready — version {update.version}.{error && <> {errorMessage(error)}</>}
      </p>
      <button
        type="button"
        className="button button--primary"
        disabled={restarting}
        onClick={() => void stores.updates.getState().restart()}
      >
        {restarting ? 'Restarting…' : 'Restart to update'}
      </button>
    </div>
  );
}
