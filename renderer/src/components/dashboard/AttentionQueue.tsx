// Calls that need a human (transfer requested, a tool failed, the caller asked for staff), newest
// first, until someone at the desk marks them handled.
import { useCalls, useStores } from '../../stores/context';
import { ATTENTION_REASON_LABEL } from '../../format/labels';
import { formatPhoneNumber } from '../../format/phone';
import { formatTime } from '../../format/time';
import { Panel } from '../ui/Panel';
import { CallLink } from '../ui/CallLink';
import { EmptyState } from '../ui/Loading';

export function AttentionQueue() {
  const items = useCalls((s) => s.attention);
  const stores = useStores();
  return (
    <Panel
      title="Needs attention"
      className={items.length > 0 ? 'panel--attention panel--attention-active' : 'panel--attention'}
      actions={<span className="panel__count">{items.length === 0 ? 'None' : `${items.length} waiting`}</span>}
    >
      {items.length === 0 ? (
        <EmptyState title="Nothing needs you right now" />
      ) : (
        <ul className="attention-list">
          {items.map((item) => {
            const who = item.patientName ?? (item.callerNumber ? formatPhoneNumber(item.callerNumber) : 'Unknown caller');
            return (
              <li key={item.id} className="attention-item">
                <div className="attention-item__text">
                  <p className="attention-item__reason">
                    <span aria-hidden="true">⚑ </span>
                    {item.reason ? ATTENTION_REASON_LABEL[item.reason] : 'Flagged call'}
                    <span className="attention-item__time"> · {formatTime(item.at)}</span>
                  </p>
                  <p className="attention-item__who">{who}</p>
                  <p className="attention-item__message">{item.message}</p>
                </div>
                <div className="attention-item__actions">
                  {item.callId && (
                    <CallLink callId={item.callId} className="button button--small" label={`Open call with ${who}`}>
                      Open call
                    </CallLink>
                  )}
                  <button
                    type="button"
                    className="button button--small button--quiet"
                    aria-label={`Mark handled: ${who}`}
                    onClick={() => stores.calls.getState().dismissAttention(item.id)}
                  >
                    Mark handled
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </Panel>
  );
}
