// Listening from a call's controls: one CallListener per card, released when the card goes away, and
// the browser it runs on (the real one, or a fake in tests) from the console's root.
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { browserEnvironment } from '../web-test/browser-environment';
import { CallListener, type ListenEnvironment, type ListenState } from './call-listener';

export const ListenEnvironmentContext = createContext<() => ListenEnvironment>(browserEnvironment);

const METER_FLOOR_DB = -60;
const METER_REFRESH_MS = 100;

export function useCallListener(callId: string): { listener: CallListener; state: ListenState } {
  const environment = useContext(ListenEnvironmentContext);
  const [listener] = useState(() => new CallListener(environment(), callId));
  useEffect(() => () => listener.dispose(), [listener]);
  const state = useSyncExternalStore(listener.subscribe, listener.getState);
  return { listener, state };
}

/** What the desk hears, as a meter (dBFS after the jitter buffer), read ten times a second while listening. */
export function ListenLevel(props: { listener: CallListener; who: string }) {
  const [level, setLevel] = useState(-Infinity);
  useEffect(() => {
    const timer = window.setInterval(() => setLevel(props.listener.level()), METER_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [props.listener]);
  const value = Number.isFinite(level) ? Math.round(Math.max(METER_FLOOR_DB, Math.min(0, level))) : METER_FLOOR_DB;
  return (
    <meter className="call-controls__level" aria-label={`Audio level, call with ${props.who}`} min={METER_FLOOR_DB} max={0} value={value} />
  );
}
