// "Test it": the front desk rings the clinic's number from any phone and watches the call arrive
// here, which proves the number reaches the assistant end to end.
import { useState } from 'react';
import { useCalls } from '../../stores/context';
import { useNow } from '../../hooks/use-now';
import { formatPhoneNumber } from '../../format/phone';
import { callerLabel } from '../../format/people';
import { CALL_STATUS_LABEL } from '../../format/labels';
import { CallLink } from '../ui/CallLink';

/** After this long without a call, suggest what to check. */
const QUIET_AFTER_MS = 90_000;

function Waiting(props: { since: number }) {
  const now = useNow();
  return now - props.since > QUIET_AFTER_MS ? (
    <p className="notice notice--warning">
      No call has arrived yet. Check the number is dialled with the right country code and that its status above is Active.
    </p>
  ) : (
    <p className="muted">
      <span className="spinner" aria-hidden="true" /> Waiting for the call…
    </p>
  );
}

export function InboundTest(props: { number: string }) {
  const [since, setSince] = useState<number | null>(null);
  const arrived = useCalls((s) => {
    if (since === null) return null;
    const after = (c: { direction: string; createdAt: string }) => c.direction === 'inbound' && Date.parse(c.createdAt) >= since - 5000;
    const live = s.liveIds.map((id) => s.live[id]?.call).find((c) => c && after(c));
    return live ?? s.recent.find(after) ?? null;
  });

  if (since === null) {
    return (
      <button type="button" className="button button--small" onClick={() => setSince(Date.now())}>
        Test it
      </button>
    );
  }
  return (
    <div className="inbound-test" role="status">
      <p>
        Call <strong>{formatPhoneNumber(props.number)}</strong> from any phone. The assistant should answer, and the call appears here.
      </p>
      {arrived ? (
        <p className="sync sync--synced">
          <span className="sync__mark" aria-hidden="true">
            ✓
          </span>
          Call from {callerLabel(arrived)} received ({CALL_STATUS_LABEL[arrived.status]}).{' '}
          <CallLink callId={arrived.id}>Open the call</CallLink>
        </p>
      ) : (
        <Waiting since={since} />
      )}
      <button type="button" className="button button--small button--quiet" onClick={() => setSince(null)}>
        {arrived ? 'Done' : 'Stop waiting'}
      </button>
    </div>
  );
}
