// A work item's whole story behind a "History" disclosure: what raised it, who claimed and released
// it, the text-back and the caller's replies, call-backs, how it was closed and any reopening, oldest
// first, with the call where there is one. Loaded over the bridge when opened and again whenever the
// item changes (its updatedAt moves with every live change), keeping the old list on screen meanwhile.
import { useEffect, useId, useState } from 'react';
import type { ApiError, WorkItem, WorkItemHistoryEntry } from '@voxanne/protocol';
import { settle } from '../../bridge';
import { useBridge } from '../../stores/context';
import { formatDateTime } from '../../format/time';
import { describeHistoryEntry } from '../../format/work-item-history';
import { CallLink } from '../ui/CallLink';
import { ErrorNotice } from '../ui/ErrorNotice';
import { EmptyState, Loading } from '../ui/Loading';

/** What the last answer was, and for which version of the item (and which retry) it was asked. */
interface Answer {
  key: string;
  history: WorkItemHistoryEntry[] | null;
  error: ApiError | null;
}

/** `label` names the item, e.g. "Ada Lovelace (Missed call)". */
export function WorkItemHistory(props: { item: Pick<WorkItem, 'id' | 'kind' | 'updatedAt'>; label: string }) {
  const { item, label } = props;
  const bridge = useBridge();
  const panelId = useId();
  const [open, setOpen] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const key = `${item.id} ${item.updatedAt} ${attempt}`;
  const pending = open && answer?.key !== key;

  useEffect(() => {
    if (!open) return;
    let current = true;
    void settle(bridge.workItems.get({ id: item.id })).then((result) => {
      if (!current) return;
      setAnswer((before) =>
        result.ok ? { key, history: result.data.history, error: null } : { key, history: before?.history ?? null, error: result.error },
      );
    });
    return () => {
      current = false;
    };
  }, [bridge, open, item.id, key]);

  return (
    <div className="work-item__history">
      <button
        type="button"
        className="button button--small button--quiet"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`History: ${label}`}
        onClick={() => setOpen(!open)}
      >
        History
      </button>
      {open && (
        <div id={panelId} className="work-history" aria-busy={pending || undefined}>
          {answer?.error && (
            <ErrorNotice
              title="Could not load the history."
              error={answer.error}
              retrying={pending}
              onRetry={() => setAttempt((n) => n + 1)}
            />
          )}
          {!answer?.history ? (
            !answer?.error && <Loading label="Loading the history" />
          ) : answer.history.length === 0 ? (
            <EmptyState title="Nothing recorded yet" />
          ) : (
            <ol className="work-history__list" aria-label={`History: ${label}`}>
              {answer.history.map((entry) => {
                const when = formatDateTime(entry.at);
                return (
                  <li key={entry.id} className="work-history__entry">
                    <time className="work-history__when" dateTime={entry.at}>
                      {when}
                    </time>
                    <span className="work-history__what">{describeHistoryEntry(entry, item.kind)}</span>
                    {entry.callId && (
                      <CallLink callId={entry.callId} className="work-history__call" label={`Open call from ${when}`}>
                        Open call
                      </CallLink>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
