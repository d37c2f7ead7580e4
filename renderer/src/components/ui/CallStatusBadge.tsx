// A call's status or outcome as words with a shape beside them: colour is never the only signal.
import type { CallOutcome, CallStatus } from '@voxanne/protocol';
import { CALL_OUTCOME_LABEL, CALL_STATUS_LABEL } from '../../format/labels';

export function CallStatusBadge(props: { status: CallStatus }) {
  return (
    <span className={`badge badge--status-${props.status}`}>
      <span className="badge__mark" aria-hidden="true" />
      {CALL_STATUS_LABEL[props.status]}
    </span>
  );
}

export function CallOutcomeBadge(props: { outcome: CallOutcome | null }) {
  if (!props.outcome) return <span className="badge badge--muted">No outcome yet</span>;
  return (
    <span className={`badge badge--outcome-${props.outcome}`}>
      <span className="badge__mark" aria-hidden="true" />
      {CALL_OUTCOME_LABEL[props.outcome]}
    </span>
  );
}
