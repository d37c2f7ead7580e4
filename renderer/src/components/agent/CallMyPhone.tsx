// "Call my phone": the assistant rings a number the user types. The number is
// formatted as typed and refused before sending unless it is a valid E.164 number that the console
// can see is fit to ring (a premium-rate or other costly kind, a country the clinic does not call);
// the backend checks again with full metadata and its refusal lands on the field. Then the call is
// followed through the live stream: queued → ringing → in progress → ended.
import { useState, type FormEvent } from 'react';
import { normalizePhoneNumber, numberFactsFrom, reachProblem, type CallStatus } from '@voxanne/protocol';
import { useAgent, useBridge, useCalls } from '../../stores/context';
import { useAsyncAction } from '../../hooks/use-async-action';
import { useNow } from '../../hooks/use-now';
import { errorMessage } from '../../format/errors';
import { formatPhoneNumber } from '../../format/phone';
import { secondsUntil } from '../../format/time';
import { PhoneField } from '../ui/PhoneField';
import { CallOutcomeBadge } from '../ui/CallStatusBadge';
import { CallLink } from '../ui/CallLink';

/** The client's own limit on test calls, on top of the server's. */
export const TEST_CALL_COOLDOWN_MS = 20_000;

const STEPS: { status: CallStatus; label: string }[] = [
  { status: 'queued', label: 'Queued' },
  { status: 'ringing', label: 'Ringing your phone' },
  { status: 'in-progress', label: 'In progress' },
  { status: 'ended', label: 'Ended' },
];
const STEP_OF: Record<CallStatus, number> = { scheduled: 0, queued: 0, ringing: 1, 'in-progress': 2, forwarding: 2, ended: 3 };

function CooldownNotice(props: { until: number }) {
  const now = useNow();
  const seconds = secondsUntil(new Date(props.until).toISOString(), now);
  if (seconds <= 0) return null;
  return <p className="field__hint">You can place another test call in {seconds} s.</p>;
}

function useCooldownOver(until: number | null): boolean {
  const now = useNow();
  return until === null || now >= until;
}

function TestCallProgress(props: { callId: string; number: string }) {
  const call = useCalls((s) => s.live[props.callId]?.call ?? s.recent.find((c) => c.id === props.callId) ?? null);
  const status: CallStatus = call?.status ?? 'queued';
  const current = STEP_OF[status];
  return (
    <div className="test-call">
      <p className="test-call__title" role="status">
        Test call to {formatPhoneNumber(props.number)}: {STEPS[current]?.label}
        {status === 'ended' ? '.' : '…'}
      </p>
      <ol className="steps">
        {STEPS.map((step, index) => (
          <li
            key={step.status}
            className={`steps__step ${index < current ? 'steps__step--done' : ''} ${index === current ? 'steps__step--current' : ''}`}
            aria-current={index === current ? 'step' : undefined}
          >
            <span className="steps__mark" aria-hidden="true">
              {index < current || status === 'ended' ? '✓' : index === current ? '●' : '○'}
            </span>
            {step.label}
          </li>
        ))}
      </ol>
      {status === 'ended' && call && (
        <p className="test-call__result">
          <CallOutcomeBadge outcome={call.outcome} />{' '}
          <CallLink callId={call.id} className="button button--small button--quiet">
            Open the call
          </CallLink>
        </p>
      )}
    </div>
  );
}

export function CallMyPhone() {
  const bridge = useBridge();
  const [number, setNumber] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [placed, setPlaced] = useState<{ callId: string; number: string } | null>(null);
  const [cooldownUntil, setCooldownUntil] = useState<number | null>(null);
  const cooldownOver = useCooldownOver(cooldownUntil);
  const placedStatus = useCalls((s) =>
    placed ? (s.live[placed.callId]?.call.status ?? s.recent.find((c) => c.id === placed.callId)?.status ?? 'queued') : null,
  );
  const callActive = placedStatus !== null && placedStatus !== 'ended';
  const action = useAsyncAction((phoneNumber: string) => bridge.testCalls.phone({ phoneNumber }));
  // Empty (the clinic's own country, which only the backend knows): the console checks the kind only.
  const countries = useAgent((s) => s.agent?.personality.allowedCountries);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = normalizePhoneNumber(number);
    if (!parsed.ok) {
      setFieldError(parsed.message);
      return;
    }
    const problem = reachProblem(numberFactsFrom(parsed.e164), countries ?? [], { strict: false });
    if (problem) {
      setFieldError(problem);
      return;
    }
    setFieldError(null);
    const result = await action.run(parsed.e164);
    if (result.ok) {
      setPlaced({ callId: result.data.callId, number: parsed.e164 });
      setCooldownUntil(Date.now() + TEST_CALL_COOLDOWN_MS);
    } else if (result.error.code === 'invalid_phone_number') {
      setFieldError(errorMessage(result.error));
      action.clearError();
    }
  };

  const blocked = action.pending || callActive || !cooldownOver;
  return (
    <section className="tool" aria-labelledby="call-my-phone-title">
      <h3 id="call-my-phone-title" className="tool__title">
        Call my phone
      </h3>
      <p className="tool__lead">The assistant calls you, so you can hear it exactly as a patient would.</p>
      <form className="form form--tool" onSubmit={(e) => void submit(e)} noValidate>
        <PhoneField
          label="Your phone number"
          hint="Include the country code, for example +44 20 7946 0958."
          value={number}
          error={fieldError}
          onChange={(value) => {
            setNumber(value);
            if (fieldError) setFieldError(null);
          }}
        />
        <button type="submit" className="button button--primary" disabled={blocked}>
          {action.pending ? 'Placing the call…' : callActive ? 'Call in progress' : 'Call my phone'}
        </button>
      </form>
      {!callActive && cooldownUntil !== null && !cooldownOver && <CooldownNotice until={cooldownUntil} />}
      {action.error && (
        <p className="notice notice--error" role="alert">
          {action.error.code === 'rate_limited' ? 'Too many test calls. ' : 'The test call could not be placed. '}
          {errorMessage(action.error)}
        </p>
      )}
      {placed && <TestCallProgress callId={placed.callId} number={placed.number} />}
    </section>
  );
}
