// Whether the voice platform has the saved personality (synced, syncing, failed with the reason, or
// the built-in sandbox when no vendor account is configured).
import type { AgentSync } from '@voxanne/protocol';
import { formatDateTime } from '../../format/time';

const WORDS: Record<AgentSync['status'], { mark: string; text: string }> = {
  synced: { mark: '✓', text: 'Synced to the voice platform' },
  pending: { mark: '…', text: 'Syncing to the voice platform' },
  failed: { mark: '!', text: 'Not synced to the voice platform' },
  sandbox: { mark: '◇', text: 'Sandbox: no voice platform connected' },
};

export function SyncStatus(props: { sync: AgentSync }) {
  const { sync } = props;
  const words = WORDS[sync.status];
  return (
    <p className={`sync sync--${sync.status}`} role="status">
      <span className="sync__mark" aria-hidden="true">
        {words.mark}
      </span>
      <span>
        {words.text}
        {sync.status === 'synced' && sync.syncedAt && ` (${formatDateTime(sync.syncedAt)})`}
        {sync.message && `: ${sync.message}`}
      </span>
    </p>
  );
}
