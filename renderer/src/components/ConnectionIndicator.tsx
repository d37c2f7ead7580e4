// The live-stream indicator in the header: green "Live" only while the stream really is
// live; otherwise the state in words, the reason, the retry countdown and a Retry button.
import type { ConnectionState } from '@voxanne/protocol';
import { useConnection, useStores } from '../stores/context';
import { useNow } from '../hooks/use-now';
import { secondsUntil } from '../format/time';
import { errorMessage } from '../format/errors';

const STATUS_WORD: Record<ConnectionState['status'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Disconnected',
  offline: 'Offline',
  'signed-out': 'Signed out',
};

function RetryCountdown(props: { at: string }) {
  const now = useNow();
  const seconds = secondsUntil(props.at, now);
  return <span className="connection__countdown">{seconds > 0 ? `Reconnecting in ${seconds} s` : 'Reconnecting…'}</span>;
}

export function ConnectionIndicator() {
  const connection = useConnection((s) => s.connection);
  const retrying = useConnection((s) => s.retrying);
  const retryError = useConnection((s) => s.retryError);
  const stores = useStores();

  const status = connection?.status ?? 'connecting';
  const live = status === 'live';
  const canRetry = status === 'reconnecting' || status === 'offline';
  return (
    <div className={`connection connection--${status}`}>
      {/* Only the state and reason are a live region; the ticking countdown would be read every second. */}
      <p className="connection__state" role="status">
        <span className="connection__dot" aria-hidden="true" />
        <span className="connection__word">{STATUS_WORD[status]}</span>
        {!live && connection?.reason && <span className="connection__reason">{connection.reason}</span>}
        {retryError && <span className="connection__reason">{errorMessage(retryError)}</span>}
      </p>
      {status === 'reconnecting' && connection?.nextRetryAt && <RetryCountdown at={connection.nextRetryAt} />}
      {canRetry && (
        <button
          type="button"
          className="button button--small"
          onClick={() => void stores.connection.getState().retryNow()}
          disabled={retrying}
        >
          {retrying ? 'Retrying…' : 'Retry now'}
        </button>
      )}
    </div>
  );
}
