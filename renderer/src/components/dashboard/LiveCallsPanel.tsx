// Calls in progress: caller, recognised patient, status, timer and streaming transcript.
// The panel subscribes to the list of ids; each card to its own call, so a transcript line for one
// call re-renders that card alone.
import { useCalls, useStores } from '../../stores/context';
import { callerLabel } from '../../format/people';
import { formatPhoneNumber } from '../../format/phone';
import { CALL_DIRECTION_LABEL } from '../../format/labels';
import { transferLabel } from '../../format/transfers';
import { Panel } from '../ui/Panel';
import { CallStatusBadge } from '../ui/CallStatusBadge';
import { Elapsed } from '../ui/Elapsed';
import { CallLink } from '../ui/CallLink';
import { EmptyState, Loading } from '../ui/Loading';
import { ErrorNotice } from '../ui/ErrorNotice';
import { LiveTranscript } from './LiveTranscript';
import { CallControls } from '../calls/CallControls';

/** Who and how the call is going; re-renders only when the call itself changes, not per transcript line. */
function LiveCallHeader(props: { callId: string }) {
  const call = useCalls((s) => s.live[props.callId]?.call);
  if (!call) return null;
  return (
    <header className="live-call__header">
      <div className="live-call__who">
        <CallLink callId={call.id} className="live-call__name">
          {callerLabel(call)}
        </CallLink>
        <span className="live-call__meta">
          {call.needsAttention && (
            <span className="live-call__flag">
              <span aria-hidden="true">⚑ </span>Needs the front desk ·{' '}
            </span>
          )}
          {call.patientName && call.callerNumber ? `${formatPhoneNumber(call.callerNumber)} · ` : ''}
          {CALL_DIRECTION_LABEL[call.direction]}
          {call.isTest ? ' · test' : ''}
        </span>
        {call.transfer && (
          <span className={`live-call__transfer live-call__transfer--${call.transfer.status}`}>{transferLabel(call.transfer)}</span>
        )}
      </div>
      <div className="live-call__state">
        <CallStatusBadge status={call.status} />
        {call.startedAt && <Elapsed since={call.startedAt} label="Call time" />}
      </div>
    </header>
  );
}

function LiveCallTranscript(props: { callId: string; who: string }) {
  const lines = useCalls((s) => s.live[props.callId]?.lines);
  const partials = useCalls((s) => s.live[props.callId]?.partials);
  if (!lines || !partials) return null;
  return <LiveTranscript lines={lines} partials={partials} label={`Live transcript, call with ${props.who}`} />;
}

function LiveCallCard(props: { callId: string }) {
  // The card's name for assistive technology; the label only changes when the caller is recognised.
  const who = useCalls((s) => {
    const call = s.live[props.callId]?.call;
    return call ? callerLabel(call) : null;
  });
  const attention = useCalls((s) => s.live[props.callId]?.call.needsAttention ?? false);
  const inProgress = useCalls((s) => s.live[props.callId]?.call.status === 'in-progress');
  const transfer = useCalls((s) => s.live[props.callId]?.call.transfer ?? null);
  if (who === null) return null;
  return (
    <li className={`live-call ${attention ? 'live-call--attention' : ''}`}>
      {/* Focusable so its keyboard shortcuts (T, E) work on the card in focus. */}
      <article aria-label={`Call with ${who}`} tabIndex={-1}>
        <LiveCallHeader callId={props.callId} />
        {inProgress && <CallControls callId={props.callId} who={who} transfer={transfer} />}
        <LiveCallTranscript callId={props.callId} who={who} />
      </article>
    </li>
  );
}

export function LiveCallsPanel() {
  const ids = useCalls((s) => s.liveIds);
  const load = useCalls((s) => s.load);
  const stores = useStores();
  const count = ids.length;
  return (
    <Panel
      title="Live calls"
      className="panel--live"
      busy={load.status === 'loading'}
      actions={<span className="panel__count">{count === 1 ? '1 call' : `${count} calls`}</span>}
    >
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={() => void stores.calls.getState().loadDashboardCalls()} />}
      {count > 0 ? (
        <ul className="live-calls">
          {ids.map((id) => (
            <LiveCallCard key={id} callId={id} />
          ))}
        </ul>
      ) : load.status === 'loading' || load.status === 'idle' ? (
        <Loading label="Loading calls…" />
      ) : (
        load.status === 'ready' && <EmptyState title="No calls right now">New calls appear here as the assistant answers them.</EmptyState>
      )}
    </Panel>
  );
}
