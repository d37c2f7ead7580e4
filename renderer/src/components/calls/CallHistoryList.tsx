// The call history as a virtualised table: only the rows in view exist in the DOM, so 10,000 calls
// scroll as smoothly as 10. Arrow keys, Home and End move between rows; reaching the end of what is
// loaded fetches the next page.
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { CallSummary } from '@voxanne/protocol';
import { useStores } from '../../stores/context';
import { callerLabel } from '../../format/people';
import { formatDateTime, formatDuration } from '../../format/time';
import { formatPhoneNumber } from '../../format/phone';
import { CALL_DIRECTION_LABEL } from '../../format/labels';
import { routeToHash } from '../../stores/navigation-store';
import { CallOutcomeBadge, CallStatusBadge } from '../ui/CallStatusBadge';

export const HISTORY_ROW_HEIGHT = 56;
/** Start fetching the next page this many rows before the end of what is loaded. */
const PREFETCH_ROWS = 20;

export function CallHistoryList(props: {
  calls: CallSummary[];
  hasMore: boolean;
  loadingMore: boolean;
  autoLoad: boolean;
  onLoadMore: () => void;
}) {
  const { calls, hasMore, loadingMore, autoLoad, onLoadMore } = props;
  const stores = useStores();
  const scroller = useRef<HTMLDivElement>(null);
  const pendingFocus = useRef<number | null>(null);
  // TanStack Virtual hands back a mutable instance, which the React Compiler cannot memoise; this
  // project does not use the compiler, and the list re-renders on scroll by design.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: calls.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => HISTORY_ROW_HEIGHT,
    overscan: 8,
    // A first paint before the scroller is measured still shows a screenful.
    initialRect: { width: 1000, height: 600 },
  });
  const rows = virtualizer.getVirtualItems();
  const lastRendered = rows[rows.length - 1]?.index ?? -1;

  useEffect(() => {
    if (autoLoad && hasMore && !loadingMore && lastRendered >= calls.length - PREFETCH_ROWS) onLoadMore();
  }, [autoLoad, hasMore, loadingMore, lastRendered, calls.length, onLoadMore]);

  // Focus a row the keyboard moved to once the virtualiser has rendered it.
  useEffect(() => {
    const index = pendingFocus.current;
    if (index === null) return;
    const row = scroller.current?.querySelector<HTMLElement>(`[data-index="${index}"] a`);
    if (row) {
      pendingFocus.current = null;
      row.focus();
    }
  });

  const moveTo = (index: number) => {
    const target = Math.max(0, Math.min(calls.length - 1, index));
    pendingFocus.current = target;
    virtualizer.scrollToIndex(target, { align: 'auto' });
    scroller.current?.querySelector<HTMLElement>(`[data-index="${target}"] a`)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
    if (!row) return;
    const index = Number(row.dataset.index);
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 600) / HISTORY_ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: calls.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    moveTo(target);
  };

  return (
    <div className="history" role="table" aria-label="Calls" aria-rowcount={hasMore ? -1 : calls.length + 1}>
      <div className="history__head" role="rowgroup">
        <div className="history__row history__row--head" role="row" aria-rowindex={1}>
          <span role="columnheader">Caller</span>
          <span role="columnheader">Started</span>
          <span role="columnheader">Type</span>
          <span role="columnheader">Length</span>
          <span role="columnheader">Status</span>
          <span role="columnheader">Outcome</span>
        </div>
      </div>
      <div ref={scroller} className="history__scroller" onKeyDown={onKeyDown} role="rowgroup">
        <div className="history__canvas" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map((row) => {
            const call = calls[row.index];
            if (!call) return null;
            const route = { page: 'call', callId: call.id } as const;
            return (
              <div
                key={call.id}
                data-index={row.index}
                className="history__row"
                role="row"
                aria-rowindex={row.index + 2}
                style={{ transform: `translateY(${row.start}px)` }}
              >
                <span role="cell" className="history__caller">
                  <a
                    href={routeToHash(route)}
                    onClick={(event) => {
                      event.preventDefault();
                      stores.navigation.getState().navigate(route);
                    }}
                  >
                    {callerLabel(call)}
                  </a>
                  {call.patientName && call.callerNumber && <span className="history__number">{formatPhoneNumber(call.callerNumber)}</span>}
                </span>
                <span role="cell">{formatDateTime(call.startedAt ?? call.createdAt)}</span>
                <span role="cell">{CALL_DIRECTION_LABEL[call.direction]}</span>
                <span role="cell" className="numeric">
                  {formatDuration(call.durationSeconds)}
                </span>
                <span role="cell">
                  <CallStatusBadge status={call.status} />
                </span>
                <span role="cell">
                  <CallOutcomeBadge outcome={call.outcome} />
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
