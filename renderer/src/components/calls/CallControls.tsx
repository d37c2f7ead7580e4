// What the front desk can do on a call in progress, on the live call card and the call's page:
// listen in (the call's audio, played here until Stop), coach the assistant (a note the caller does
// not hear), make it say a line, take the call (a warm transfer to the front desk), end it (after a
// confirmation). Every control has an accessible name; on a focused card L listens (or stops), T
// takes the call and E asks to end it. What anyone did last, from any console, is shown ("Sam is
// listening").
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { CALL_CONTROL_TEXT_MAX, type CallAction, type CallTransfer } from '@voxanne/protocol';
import { useBridge, useCalls, useNavigation } from '../../stores/context';
import { useAsyncAction } from '../../hooks/use-async-action';
import { callActionLabel } from '../../format/labels';
import { ListenLevel, useCallListener } from '../../listen/use-call-listener';

type Mode = 'idle' | 'coach' | 'say' | 'confirm-end';

/** The live sentence for what staff did last on a call. */
export function liveActionLabel(action: CallAction): string {
  if (action.action === 'listen') return `${action.staffName} is listening`;
  return callActionLabel(action);
}

export function CallControls(props: { callId: string; who: string; transfer: CallTransfer | null; children?: ReactNode }) {
  const bridge = useBridge();
  const lastAction = useCalls((s) => s.live[props.callId]?.lastAction);
  const [mode, setMode] = useState<Mode>('idle');
  const [text, setText] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const coach = useAsyncAction((note: string) => bridge.callControl.coach({ id: props.callId, text: note }));
  const say = useAsyncAction((line: string) => bridge.callControl.say({ id: props.callId, text: line }));
  const take = useAsyncAction(() => bridge.callControl.transfer({ id: props.callId, to: 'auto' }));
  const end = useAsyncAction(() => bridge.callControl.end({ id: props.callId }));
  const { listener, state: listening } = useCallListener(props.callId);
  const error = coach.error ?? say.error ?? take.error ?? end.error;
  const pending = coach.pending || say.pending || take.pending || end.pending;
  const transferring = props.transfer && (props.transfer.status === 'requested' || props.transfer.status === 'forwarding');

  const open = (next: Mode) => {
    setDone(null);
    setText('');
    setMode(next);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = text.trim();
    if (!value) return;
    const result = mode === 'coach' ? await coach.run(value) : await say.run(value);
    if (result.ok) {
      setDone(mode === 'coach' ? 'Note sent to the assistant.' : 'The assistant is saying it now.');
      setMode('idle');
      setText('');
    }
  };

  const takeCall = async () => {
    setDone(null);
    const result = await take.run();
    if (result.ok) setDone(`Transferring to ${result.data.detail ?? 'the front desk'}…`);
  };

  const endCall = async () => {
    const result = await end.run();
    setMode('idle');
    if (result.ok) setDone('Ending the call…');
  };

  const toggleListening = () => {
    if (listener.active) listener.stop();
    else void listener.start();
  };

  /** Keyboard shortcuts on the focused card (the article around the controls); never while typing a note. */
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key.toLowerCase();
    if (key === 'l') {
      event.preventDefault();
      toggleListening();
    } else if (key === 't' && !pending && !transferring) {
      event.preventDefault();
      void takeCall();
    } else if (key === 'e' && !pending) {
      event.preventDefault();
      open('confirm-end');
    }
  };

  // Opened from the tray or a notification's Listen / Take call: start that action once.
  const waitingAction = useNavigation((s) => (s.callAction?.callId === props.callId ? s.callAction.action : null));
  const takeWaitingAction = useNavigation((s) => s.takeCallAction);
  const latestTakeCall = useRef(takeCall);
  useEffect(() => {
    latestTakeCall.current = takeCall;
  });
  useEffect(() => {
    if (!waitingAction) return;
    const action = takeWaitingAction(props.callId);
    if (action === 'listen' && !listener.active) void listener.start();
    else if (action === 'take') void latestTakeCall.current();
  }, [waitingAction, takeWaitingAction, props.callId, listener]);

  const root = useRef<HTMLDivElement>(null);
  const latestKeyDown = useRef(onKeyDown);
  useEffect(() => {
    latestKeyDown.current = onKeyDown;
  });
  useEffect(() => {
    const card = root.current?.closest('article') ?? root.current;
    if (!card) return;
    const listener = (event: KeyboardEvent) => latestKeyDown.current(event);
    card.addEventListener('keydown', listener);
    return () => card.removeEventListener('keydown', listener);
  }, []);

  return (
    <div className="call-controls" ref={root} role="group" aria-label={`Live controls for the call with ${props.who}`}>
      <div className="call-controls__buttons">
        {props.children}
        <button
          type="button"
          className="button button--small"
          onClick={toggleListening}
          aria-keyshortcuts="L"
          aria-label={listener.active ? `Stop listening to the call with ${props.who}` : `Listen to the call with ${props.who}`}
        >
          {listener.active ? 'Stop listening' : 'Listen'}
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => open(mode === 'coach' ? 'idle' : 'coach')}
          aria-pressed={mode === 'coach'}
        >
          Coach
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => open(mode === 'say' ? 'idle' : 'say')}
          aria-pressed={mode === 'say'}
        >
          Say
        </button>
        <button
          type="button"
          className="button button--small button--primary"
          onClick={() => void takeCall()}
          disabled={pending || Boolean(transferring)}
          aria-keyshortcuts="T"
          aria-label={`Take the call with ${props.who}`}
        >
          Take call
        </button>
        <button
          type="button"
          className="button button--small button--danger"
          onClick={() => open('confirm-end')}
          disabled={pending}
          aria-keyshortcuts="E"
          aria-label={`End the call with ${props.who}`}
        >
          End
        </button>
      </div>
      {(mode === 'coach' || mode === 'say') && (
        <form className="call-controls__form" onSubmit={(event) => void submit(event)}>
          <label>
            {mode === 'coach' ? 'Note for the assistant (the caller does not hear it)' : 'What the assistant should say now'}
            <input
              type="text"
              value={text}
              maxLength={CALL_CONTROL_TEXT_MAX}
              onChange={(event) => setText(event.target.value)}
              placeholder={mode === 'coach' ? 'Offer Thursday instead' : 'The front desk will be with you shortly.'}
              autoFocus
            />
          </label>
          <button type="submit" className="button button--small button--primary" disabled={pending || !text.trim()}>
            {mode === 'coach' ? 'Send note' : 'Say it'}
          </button>
          <button type="button" className="button button--small" onClick={() => open('idle')}>
            Cancel
          </button>
        </form>
      )}
      {mode === 'confirm-end' && (
        <div className="call-controls__confirm" role="alertdialog" aria-label="End the call?">
          <span>End the call with {props.who}? The caller is cut off.</span>
          <button type="button" className="button button--small button--danger" onClick={() => void endCall()} disabled={pending} autoFocus>
            End the call
          </button>
          <button type="button" className="button button--small" onClick={() => open('idle')}>
            Keep it
          </button>
        </div>
      )}
      <p className="call-controls__listening" role="status">
        {listening.phase === 'listening' ? (
          <>
            Listening <ListenLevel listener={listener} who={props.who} />
          </>
        ) : listening.phase !== 'failed' ? (
          (listening.message ?? '')
        ) : null}
      </p>
      {listening.phase === 'failed' && listening.message && (
        <p className="call-controls__error" role="alert">
          {listening.message}
        </p>
      )}
      <p className="call-controls__status" role="status">
        {done ?? ''}
        {lastAction ? <span className="call-controls__last"> {liveActionLabel(lastAction)}</span> : null}
      </p>
      {error && (
        <p className="call-controls__error" role="alert">
          {error.message}
        </p>
      )}
    </div>
  );
}
