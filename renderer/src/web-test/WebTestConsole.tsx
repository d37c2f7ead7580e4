// The web test itself: pick a microphone, start, talk to the assistant and hear it, see
// both sides of the conversation as text, mute, end. Every message says what happened and what to do.
// Unmounting ends the call and releases the microphone and audio (WebTestCall.dispose).
import { useEffect, useId, useState, useSyncExternalStore } from 'react';
import { useNow } from '../hooks/use-now';
import { formatClock } from '../format/time';
import { browserEnvironment } from './browser-environment';
import { useMicrophones } from './use-microphones';
import { WebTestCall, type WebTestEnvironment, type WebTestState } from './web-test-call';
import './web-test.css';

const METER_FLOOR_DB = -60;
const METER_REFRESH_MS = 100;

export function WebTestConsole(props: { environment?: () => WebTestEnvironment }) {
  const [call] = useState(() => new WebTestCall((props.environment ?? browserEnvironment)()));
  useEffect(() => () => call.dispose(), [call]);
  const state = useSyncExternalStore(call.subscribe, call.getState);
  const [deviceId, setDeviceId] = useState('');
  const [voiceProcessing, setVoiceProcessing] = useState(true);
  // Device names become readable once the microphone was allowed: list again when the phase moves.
  const microphones = useMicrophones(state.phase);
  const ids = useId();
  const running = call.active;

  return (
    <div className="webtest-call">
      {!running && (
        <form
          className="webtest-call__setup"
          onSubmit={(event) => {
            event.preventDefault();
            void call.start({ deviceId: deviceId || null, voiceProcessing });
          }}
        >
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-mic`}>
              Microphone
            </label>
            <select id={`${ids}-mic`} className="field__input" value={deviceId} onChange={(e) => setDeviceId(e.target.value)}>
              <option value="">System default</option>
              {microphones.map((m) => (
                <option key={m.deviceId} value={m.deviceId}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field field--inline">
            <input
              id={`${ids}-processing`}
              type="checkbox"
              checked={voiceProcessing}
              onChange={(e) => setVoiceProcessing(e.target.checked)}
            />
            <label htmlFor={`${ids}-processing`}>Clean up my voice (echo cancellation, noise suppression, automatic volume)</label>
          </div>
          <button type="submit" className="button button--primary">
            {state.phase === 'idle' ? 'Start web test' : 'Start a new web test'}
          </button>
        </form>
      )}

      <Status state={state} />

      {running && <LiveControls call={call} state={state} ids={ids} />}

      {state.transcript.length > 0 && (
        <ol className="webtest-call__transcript" role="log" aria-live="polite" aria-label="Web test transcript">
          {state.transcript.map((line) => (
            <li key={line.id} className={`webtest-line webtest-line--${line.speaker}${line.final ? '' : ' webtest-line--partial'}`}>
              <span className="webtest-line__speaker">{line.speaker === 'caller' ? 'You' : 'Assistant'}</span>
              <span className="webtest-line__text">{line.text}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Status(props: { state: WebTestState }) {
  const { phase, message } = props.state;
  if (!message) return phase === 'ended' ? <p role="status">The web test ended.</p> : null;
  if (phase === 'failed') {
    return (
      <div className="notice notice--error" role="alert">
        <span className="notice__icon" aria-hidden="true">
          !
        </span>
        <div className="notice__body">
          <p className="notice__title">The web test could not go on.</p>
          <p>{message}</p>
        </div>
      </div>
    );
  }
  return (
    <p className="webtest-call__status" role="status">
      {message}
    </p>
  );
}

function LiveControls(props: { call: WebTestCall; state: WebTestState; ids: string }) {
  const { call, state, ids } = props;
  const levels = useLevels(call);
  return (
    <div className="webtest-call__live">
      <div className="webtest-call__meters">
        <label htmlFor={`${ids}-in`}>Your microphone</label>
        <meter id={`${ids}-in`} min={METER_FLOOR_DB} max={0} value={meterValue(levels.input)} />
        <label htmlFor={`${ids}-out`}>Assistant</label>
        <meter id={`${ids}-out`} min={METER_FLOOR_DB} max={0} value={meterValue(levels.output)} />
      </div>
      {state.liveSince !== null && state.maxSeconds !== null && <TimeLeft since={state.liveSince} maxSeconds={state.maxSeconds} />}
      <div className="webtest-call__buttons">
        <button type="button" className="button" aria-pressed={state.muted} onClick={() => call.setMuted(!state.muted)}>
          {state.muted ? 'Unmute' : 'Mute'}
        </button>
        <button type="button" className="button button--danger" onClick={() => call.end()}>
          End test
        </button>
      </div>
    </div>
  );
}

function TimeLeft(props: { since: number; maxSeconds: number }) {
  const now = useNow();
  const left = Math.max(0, props.maxSeconds - Math.floor((now - props.since) / 1000));
  return <p className="webtest-call__time">Time left: {formatClock(left)}</p>;
}

/** Both levels, read from the call's analysers ten times a second while it runs. */
function useLevels(call: WebTestCall): { input: number; output: number } {
  const [levels, setLevels] = useState({ input: -Infinity, output: -Infinity });
  useEffect(() => {
    const timer = window.setInterval(() => setLevels(call.levels()), METER_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [call]);
  return levels;
}

function meterValue(db: number): number {
  return Number.isFinite(db) ? Math.round(Math.max(METER_FLOOR_DB, Math.min(0, db))) : METER_FLOOR_DB;
}
