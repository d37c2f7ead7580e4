// Today's figures, kept current by `stats.changed`. Fixed-size cards with tabular digits so
// nothing shifts when a number changes.
import type { DashboardStats } from '@voxanne/protocol';
import { useStats, useStores } from '../../stores/context';
import { formatDuration } from '../../format/time';
import { ErrorNotice } from '../ui/ErrorNotice';

interface Card {
  label: string;
  value: (stats: DashboardStats) => string;
  hint?: (stats: DashboardStats) => string | null;
}

const CARDS: Card[] = [
  { label: 'Calls today', value: (s) => String(s.callsToday), hint: (s) => (s.inProgress > 0 ? `${s.inProgress} in progress` : null) },
  { label: 'Answered', value: (s) => String(s.answered) },
  { label: 'Missed', value: (s) => String(s.missed) },
  {
    label: 'Bookings',
    value: (s) => String(s.bookingsToday),
    hint: (s) => (s.bookingRate === null ? null : `${Math.round(s.bookingRate * 100)}% of answered calls`),
  },
  { label: 'Average call', value: (s) => formatDuration(s.averageDurationSeconds) },
];

export function StatsCards() {
  const stats = useStats((s) => s.stats);
  const load = useStats((s) => s.load);
  const stores = useStores();
  return (
    <section className="stats" aria-labelledby="stats-heading" aria-busy={load.status === 'loading' || undefined}>
      <h2 id="stats-heading" className="visually-hidden">
        Today at a glance
      </h2>
      {load.status === 'error' && (
        <ErrorNotice
          title={stats ? 'These figures may be out of date.' : "Today's figures could not be loaded."}
          error={load.error}
          onRetry={() => void stores.stats.getState().loadStats()}
        />
      )}
      <ul className="stats__cards">
        {CARDS.map((card) => {
          const hint = stats && card.hint ? card.hint(stats) : null;
          return (
            <li key={card.label} className="stat">
              <span className="stat__label">{card.label}</span>
              <span className="stat__value">{stats ? card.value(stats) : '—'}</span>
              <span className="stat__hint">{hint ?? '\u00a0'}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
