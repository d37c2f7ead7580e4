// A running call timer. Only this text re-renders each second, never the card around it.
import { useNow } from '../../hooks/use-now';
import { formatClock } from '../../format/time';

export function Elapsed(props: { since: string; label?: string }) {
  const now = useNow();
  const seconds = (now - Date.parse(props.since)) / 1000;
  return (
    <span className="elapsed" aria-label={props.label ? `${props.label} ${formatClock(seconds)}` : undefined}>
      {formatClock(seconds)}
    </span>
  );
}
