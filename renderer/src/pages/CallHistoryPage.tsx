// Every call the clinic has had: search, filters, cursor pagination and a virtualised list.
// Calls that end while the list is open are offered, not pushed in, so rows never jump under the
// reader's pointer.
import { useMemo, useState } from 'react';
import { useCalls } from '../stores/context';
import { useDebounced } from '../hooks/use-debounced';
import { type CallHistoryFilters, useCallHistory } from '../hooks/use-call-history';
import { PageHeader } from '../components/ui/PageHeader';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { EmptyState, Loading } from '../components/ui/Loading';
import { CallFilters, type CallFilterValues, NO_FILTERS } from '../components/calls/CallFilters';
import { CallHistoryList } from '../components/calls/CallHistoryList';

const SEARCH_DEBOUNCE_MS = 300;

function toQuery(values: CallFilterValues, q: string): CallHistoryFilters {
  const filters: CallHistoryFilters = {};
  if (q.trim()) filters.q = q.trim();
  if (values.status) filters.status = values.status;
  if (values.direction) filters.direction = values.direction;
  if (values.outcome) filters.outcome = values.outcome;
  if (values.from) filters.from = values.from;
  if (values.to) filters.to = values.to;
  return filters;
}

/** Ids of calls that ended since the list was loaded and are not in it yet. */
function useNewlyEndedCount(listed: ReadonlySet<string>, since: number): number {
  const recent = useCalls((s) => s.recent);
  return useMemo(
    () => recent.filter((c) => !listed.has(c.id) && Date.parse(c.endedAt ?? c.createdAt) > since).length,
    [recent, listed, since],
  );
}

export function CallHistoryPage() {
  const [values, setValues] = useState<CallFilterValues>(NO_FILTERS);
  const q = useDebounced(values.q, SEARCH_DEBOUNCE_MS);
  const filters = useMemo(() => toQuery(values, q), [values, q]);
  const history = useCallHistory(filters);
  const listed = useMemo(() => new Set(history.items.map((c) => c.id)), [history.items]);
  const [loadedAt, setLoadedAt] = useState(() => Date.now());
  const newCalls = useNewlyEndedCount(listed, loadedAt);
  const isFiltered = Object.keys(filters).length > 0;

  const summary = history.loading
    ? 'Searching…'
    : `${history.items.length}${history.hasMore ? '+' : ''} ${history.items.length === 1 ? 'call' : 'calls'}`;

  return (
    <div className="page page--history">
      <PageHeader title="Call history" />
      <CallFilters values={values} onChange={setValues} />
      <div className="history-toolbar">
        <p className="history-toolbar__count" role="status">
          {summary}
        </p>
        {newCalls > 0 && (
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setLoadedAt(Date.now());
              history.reload();
            }}
          >
            Show {newCalls} new {newCalls === 1 ? 'call' : 'calls'}
          </button>
        )}
      </div>
      <div className="history-results" aria-busy={history.loading || undefined}>
        {history.loading ? (
          <Loading label="Loading calls…" rows={8} />
        ) : history.error && history.items.length === 0 ? (
          <ErrorNotice title="The call history could not be loaded." error={history.error} onRetry={history.reload} />
        ) : history.items.length === 0 ? (
          <EmptyState title={isFiltered ? 'No calls match these filters' : 'No calls yet'}>
            {isFiltered ? 'Try a different search or clear the filters.' : 'Calls the assistant answers are listed here.'}
          </EmptyState>
        ) : (
          <>
            <CallHistoryList
              calls={history.items}
              hasMore={history.hasMore}
              loadingMore={history.loadingMore}
              autoLoad={!history.error}
              onLoadMore={history.loadMore}
            />
            {history.loadingMore && <Loading label="Loading more calls…" />}
            {history.error && <ErrorNotice title="More calls could not be loaded." error={history.error} onRetry={history.loadMore} />}
          </>
        )}
      </div>
    </div>
  );
}
