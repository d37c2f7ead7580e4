// One call in full: who, outcome, summary, timeline, transcript, recording and bookings. While the
// call is still going its transcript keeps streaming here too; when it ends the page reloads to
// pick up the summary and recording.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallDetail, IpcResult } from '@voxanne/protocol';
import { settle } from '../bridge';
import { useAsyncAction } from '../hooks/use-async-action';
import { errorMessage } from '../format/errors';
import { useBridge, useCalls, useStores } from '../stores/context';
import { callerLabel, unverifiedNumberLabel } from '../format/people';
import { formatPhoneNumber } from '../format/phone';
import { formatDuration, formatFullDateTime, formatDateTime, formatTime } from '../format/time';
import { BOOKING_STATUS_LABEL, CALL_DIRECTION_LABEL, CALL_INCIDENT_LABEL, CALL_STATUS_LABEL, callActionLabel } from '../format/labels';
import { transferLabel } from '../format/transfers';
import { PageHeader } from '../components/ui/PageHeader';
import { Panel } from '../components/ui/Panel';
import { CallOutcomeBadge, CallStatusBadge } from '../components/ui/CallStatusBadge';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { Loading } from '../components/ui/Loading';
import { CallTranscript } from '../components/calls/CallTranscript';
import { LiveTranscript } from '../components/dashboard/LiveTranscript';
import { CallControls } from '../components/calls/CallControls';

type DetailResult = { callId: string; result: IpcResult<CallDetail> };

/**
 * The call's stored detail. A reload (after the call ends, or Retry) keeps what is on screen until
 * the new answer arrives; `refreshing` says one is on its way.
 */
function useCallDetail(callId: string) {
  const bridge = useBridge();
  const [reloads, setReloads] = useState(0);
  const [answer, setAnswer] = useState<(DetailResult & { reloads: number }) | null>(null);

  useEffect(() => {
    let current = true;
    void settle(bridge.calls.get({ id: callId })).then((result) => {
      if (current) setAnswer({ callId, result, reloads });
    });
    return () => {
      current = false;
    };
  }, [bridge, callId, reloads]);

  const shown = answer?.callId === callId ? answer : null;
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { result: shown?.result ?? null, refreshing: shown !== null && shown.reloads !== reloads, reload };
}

/** The call's recording; if this window cannot play it, the system browser can be asked to. */
function Recording(props: { url: string }) {
  const bridge = useBridge();
  const [failed, setFailed] = useState(false);
  const open = useAsyncAction(() => bridge.app.openExternal({ url: props.url }));
  return (
    <>
      <audio
        className="recording"
        controls
        preload="metadata"
        src={props.url}
        aria-label="Call recording"
        onError={() => setFailed(true)}
      />
      {failed && (
        <div className="recording__problem">
          <p className="muted" role="status">
            The recording could not be played here.
          </p>
          <button type="button" className="button button--small" disabled={open.pending} onClick={() => void open.run()}>
            {open.pending ? 'Opening…' : 'Open in the browser'}
          </button>
          {open.error && (
            <p className="field__error" role="alert">
              {errorMessage(open.error)}
            </p>
          )}
        </div>
      )}
    </>
  );
}

function LiveSection(props: { callId: string; stored: CallDetail }) {
  const live = useCalls((s) => s.live[props.callId]);
  if (!live) return null;
  const storedIds = new Set(props.stored.transcript.map((s) => s.id));
  const lines = [
    ...props.stored.transcript.map((s) => ({ id: s.id, speaker: s.speaker, text: s.text })),
    ...live.lines.filter((line) => !storedIds.has(line.id)),
  ];
  return <LiveTranscript lines={lines} partials={live.partials} label="Live transcript" />;
}

export function CallDetailPage(props: { callId: string }) {
  const { callId } = props;
  const { result, refreshing, reload } = useCallDetail(callId);
  const stores = useStores();
  const liveStatus = useCalls((s) => s.live[callId]?.call.status);
  // While the call is live its transfer moves on through the live stream; the stored one afterwards.
  const liveTransfer = useCalls((s) => s.live[callId]?.call.transfer);
  const wasLive = useRef(false);

  useEffect(() => {
    if (liveStatus) wasLive.current = true;
    else if (wasLive.current) {
      wasLive.current = false;
      reload();
    }
  }, [liveStatus, reload]);

  const back = (
    <a
      href="#/calls"
      className="button button--quiet"
      onClick={(event) => {
        event.preventDefault();
        stores.navigation.getState().navigate({ page: 'calls' });
      }}
    >
      ← Call history
    </a>
  );

  if (!result) {
    return (
      <div className="page">
        <PageHeader title="Call">{back}</PageHeader>
        <Loading label="Loading the call…" rows={6} />
      </div>
    );
  }
  if (!result.ok) {
    return (
      <div className="page">
        <PageHeader title="Call">{back}</PageHeader>
        <ErrorNotice
          title="This call could not be opened."
          error={result.error}
          onRetry={result.error.code === 'not_found' ? undefined : reload}
          retrying={refreshing}
        />
      </div>
    );
  }

  const call = result.data;
  const status = liveStatus ?? call.status;
  const transfer = liveTransfer ?? call.transfer;
  return (
    <div className="page page--call">
      <PageHeader title={`Call with ${callerLabel(call)}`}>{back}</PageHeader>
      <dl className="facts">
        <div>
          <dt>Caller</dt>
          <dd>
            {call.patientName ?? 'Not recognised'}
            {call.callerNumber && <span className="facts__sub"> {formatPhoneNumber(call.callerNumber)}</span>}
            {!call.callerNumber && call.callerNumberRaw && (
              <span className="facts__sub" title="The phone network gave a number that is not a valid phone number.">
                {' '}
                {unverifiedNumberLabel(call.callerNumberRaw)}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>
            {CALL_DIRECTION_LABEL[call.direction]}
            {call.isTest ? ' (test)' : ''}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <CallStatusBadge status={status} />
          </dd>
        </div>
        <div>
          <dt>Outcome</dt>
          <dd>
            <CallOutcomeBadge outcome={call.outcome} />
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{call.startedAt ? formatFullDateTime(call.startedAt) : 'Not yet'}</dd>
        </div>
        <div>
          <dt>Length</dt>
          <dd>{formatDuration(call.durationSeconds)}</dd>
        </div>
        {transfer && (
          <div>
            <dt>Transfer</dt>
            <dd className={`facts__transfer facts__transfer--${transfer.status}`}>
              {transferLabel(transfer)}
              <span className="facts__sub"> at {formatTime(transfer.at)}</span>
            </dd>
          </div>
        )}
      </dl>
      {status === 'in-progress' && <CallControls callId={callId} who={callerLabel(call)} transfer={transfer ?? null} />}
      {call.needsAttention && (
        <p className="notice notice--warning">
          <span aria-hidden="true">⚑ </span>This call was flagged for the front desk.
        </p>
      )}
      <div className="call-grid">
        <div className="call-grid__main">
          <Panel title="Summary">
            <p className="summary">
              {call.summary ?? (status === 'ended' ? 'No summary was produced for this call.' : 'The summary appears when the call ends.')}
            </p>
            {call.endedReason && <p className="summary__reason">Ended: {call.endedReason}</p>}
          </Panel>
          <Panel title="Transcript">
            {liveStatus ? <LiveSection callId={callId} stored={call} /> : <CallTranscript segments={call.transcript} />}
          </Panel>
        </div>
        <div className="call-grid__side">
          <Panel title="Recording">
            {call.recordingUrl ? (
              <Recording url={call.recordingUrl} />
            ) : (
              <p className="muted">{status === 'ended' ? 'No recording for this call.' : 'Available when the call ends.'}</p>
            )}
          </Panel>
          <Panel title="Bookings">
            {call.bookings.length === 0 ? (
              <p className="muted">No appointment was booked on this call.</p>
            ) : (
              <ul className="plain-list">
                {call.bookings.map((b) => (
                  <li key={b.id}>
                    <strong>{b.patientName}</strong> · {formatDateTime(b.startsAt)} · {BOOKING_STATUS_LABEL[b.status]}
                  </li>
                ))}
              </ul>
            )}
          </Panel>
          <Panel title="Timeline">
            {call.timeline.length === 0 ? (
              <p className="muted">No status changes recorded.</p>
            ) : (
              <ol className="timeline">
                {call.timeline.map((entry) => (
                  <li key={`${'status' in entry ? entry.status : 'incident' in entry ? entry.incident : entry.action}-${entry.at}`}>
                    <span className="timeline__time">{formatTime(entry.at)}</span>{' '}
                    {'status' in entry
                      ? CALL_STATUS_LABEL[entry.status]
                      : 'incident' in entry
                        ? CALL_INCIDENT_LABEL[entry.incident]
                        : callActionLabel(entry)}
                  </li>
                ))}
              </ol>
            )}
          </Panel>
        </div>
      </div>
    </div>
  );
}
