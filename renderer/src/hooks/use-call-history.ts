// The call history list: one query (search + filters), fetched a page at a time with the backend's
// cursor. Each answer is tagged with the query it belongs to, so an answer to an older query
// (the user kept typing) is never shown.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, CallListQueryInput, CallSummary } from '@voxanne/protocol';
import { settle } from '../bridge';
import { useBridge } from '../stores/context';

export const HISTORY_PAGE_SIZE = 100;

export type CallHistoryFilters = Omit<CallListQueryInput, 'cursor' | 'limit'>;

export interface CallHistory {
  items: CallSummary[];
  /** The first page of the current query is on its way. */
  loading: boolean;
  loadingMore: boolean;
  error: ApiError | null;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

interface Loaded {
  /** The query (and reload count) these items answer. */
  key: string;
  items: CallSummary[];
  cursor: string | null;
  error: ApiError | null;
  loadingMore: boolean;
}

export function useCallHistory(filters: CallHistoryFilters): CallHistory {
  const bridge = useBridge();
  const [reloads, setReloads] = useState(0);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const filtersKey = JSON.stringify(filters);
  const key = `${reloads}:${filtersKey}`;
  const currentKey = useRef(key);
  const fetchingMore = useRef(false);
  useEffect(() => {
    currentKey.current = key;
  }, [key]);

  const fetchPage = useCallback(
    (cursor: string | null) => {
      const query: CallListQueryInput = { ...(JSON.parse(filtersKey) as CallHistoryFilters), limit: HISTORY_PAGE_SIZE };
      if (cursor) query.cursor = cursor;
      return settle(bridge.calls.list(query));
    },
    [bridge, filtersKey],
  );

  useEffect(() => {
    let current = true;
    void fetchPage(null).then((result) => {
      if (!current) return;
      setLoaded(
        result.ok
          ? { key, items: result.data.items, cursor: result.data.nextCursor, error: null, loadingMore: false }
          : { key, items: [], cursor: null, error: result.error, loadingMore: false },
      );
    });
    return () => {
      current = false;
    };
  }, [fetchPage, key]);

  const page = loaded?.key === key ? loaded : null;

  const loadMore = useCallback(() => {
    if (!page?.cursor || fetchingMore.current) return;
    const forKey = page.key;
    fetchingMore.current = true;
    setLoaded({ ...page, loadingMore: true, error: null });
    void fetchPage(page.cursor).then((result) => {
      fetchingMore.current = false;
      if (currentKey.current !== forKey) return;
      setLoaded((state) => {
        if (!state || state.key !== forKey) return state;
        if (!result.ok) return { ...state, loadingMore: false, error: result.error };
        // Calls can end (and move up the list) between pages; each call is listed once.
        const seen = new Set(state.items.map((c) => c.id));
        const items = [...state.items, ...result.data.items.filter((c) => !seen.has(c.id))];
        return { ...state, items, cursor: result.data.nextCursor, loadingMore: false };
      });
    });
  }, [page, fetchPage]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  return {
    items: page?.items ?? [],
    loading: page === null,
    loadingMore: page?.loadingMore ?? false,
    error: page?.error ?? null,
    hasMore: Boolean(page?.cursor),
    loadMore,
    reload,
  };
}
