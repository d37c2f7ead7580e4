// The most recent ended calls: who, when, how long, what came of it; each opens the call.
import { useCalls, useStores } from '../../stores/context';
import { callerLabel } from '../../format/people';
import { formatDuration, formatTime } from '../../format/time';
import { Panel } from '../ui/Panel';
import { CallLink } from '../ui/CallLink';
import { CallOutcomeBadge } from '../ui/CallStatusBadge';
import { EmptyState, Loading } from '../ui/Loading';
import { ErrorNotice } from '../ui/ErrorNotice';

export function RecentCalls() {
  const recent = useCalls((s) => s.recent);
  const load = useCalls((s) => s.load);
  const stores = useStores();
  const navigate = stores.navigation.getState().navigate;
  return (
    <Panel
      title="Recent calls"
      className="panel--recent"
      busy={load.status === 'loading'}
      actions={
        <a
          href="#/calls"
          className="button button--small button--quiet"
          onClick={(event) => {
            event.preventDefault();
            navigate({ page: 'calls' });
          }}
        >
          All calls
        </a>
      }
    >
      {load.status === 'error' && recent.length === 0 ? (
        <ErrorNotice error={load.error} onRetry={() => void stores.calls.getState().loadDashboardCalls()} />
      ) : recent.length === 0 ? (
        load.status === 'ready' ? (
          <EmptyState title="No calls yet">Finished calls are listed here.</EmptyState>
        ) : (
          <Loading label="Loading recent calls…" rows={4} />
        )
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Caller</th>
              <th scope="col">Time</th>
              <th scope="col">Length</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((call) => (
              <tr key={call.id}>
                <td>
                  <CallLink callId={call.id}>{callerLabel(call)}</CallLink>
                  {call.isTest && <span className="tag">Test</span>}
                </td>
                <td>{formatTime(call.startedAt ?? call.createdAt)}</td>
                <td className="numeric">{formatDuration(call.durationSeconds)}</td>
                <td>
                  <CallOutcomeBadge outcome={call.outcome} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
