// The front desk's work queue: every item not yet done, filtered by kind with counts per kind, and
// the recently closed ones to reopen if closing was a mistake. Every item's history opens below it.
import { useEffect, useState } from 'react';
import { WORK_ITEM_KINDS, WORK_ITEM_KIND_LABELS, WORK_ITEM_OUTCOME_LABELS, type WorkItem, type WorkItemKind } from '@voxanne/protocol';
import { PageHeader } from '../components/ui/PageHeader';
import { Panel } from '../components/ui/Panel';
import { EmptyState, Loading } from '../components/ui/Loading';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { WorkItemCard } from '../components/work-queue/WorkItemCard';
import { WorkItemHistory } from '../components/work-queue/WorkItemHistory';
import { settle } from '../bridge';
import { useBridge, useStores, useWorkQueue } from '../stores/context';
import { formatPhoneNumber } from '../format/phone';
import { formatTime } from '../format/time';

export function WorkQueuePage() {
  const stores = useStores();
  const bridge = useBridge();
  const items = useWorkQueue((s) => s.items);
  const counts = useWorkQueue((s) => s.counts);
  const load = useWorkQueue((s) => s.load);
  const [kind, setKind] = useState<WorkItemKind | null>(null);
  const [done, setDone] = useState<WorkItem[] | null>(null);
  const shown = kind ? items.filter((i) => i.kind === kind) : items;

  useEffect(() => {
    let live = true;
    void settle(bridge.workItems.list({ status: 'done', limit: 20 })).then((result) => live && result.ok && setDone(result.data.items));
    return () => {
      live = false;
    };
    // Reloaded whenever the open list changes: an item closed here or elsewhere moves down.
  }, [bridge, items]);

  return (
    <div className="page page--work-queue">
      <PageHeader title="Work queue" />
      <div className="filter-bar" role="group" aria-label="Show">
        <button type="button" className="button button--small" aria-pressed={kind === null} onClick={() => setKind(null)}>
          All ({counts?.total ?? items.length})
        </button>
        {WORK_ITEM_KINDS.map((k) => (
          <button key={k} type="button" className="button button--small" aria-pressed={kind === k} onClick={() => setKind(k)}>
            {WORK_ITEM_KIND_LABELS[k]} ({counts?.byKind[k] ?? 0})
          </button>
        ))}
      </div>
      <Panel title="To do">
        {load.status === 'error' ? (
          <ErrorNotice error={load.error} onRetry={() => void stores.workQueue.getState().loadQueue()} />
        ) : load.status === 'loading' && items.length === 0 ? (
          <Loading label="Loading the work queue" rows={3} />
        ) : shown.length === 0 ? (
          <EmptyState title="Nothing to follow up" />
        ) : (
          <ul className="work-list">
            {shown.map((item) => (
              <WorkItemCard key={item.id} item={item} />
            ))}
          </ul>
        )}
      </Panel>
      <Panel title="Recently done">
        {done === null ? (
          <Loading label="Loading closed items" rows={1} />
        ) : done.length === 0 ? (
          <EmptyState title="Nothing closed yet" />
        ) : (
          <ul className="work-list">
            {done.map((item) => {
              const who = item.patientName ?? (item.callerNumber ? formatPhoneNumber(item.callerNumber) : 'Withheld number');
              return (
                <li key={item.id} className="work-item work-item--done" aria-label={`Done: ${who}`}>
                  <div className="work-item__text">
                    <p className="work-item__kind">
                      {WORK_ITEM_KIND_LABELS[item.kind]} · {who}
                    </p>
                    <p className="work-item__title">
                      {item.outcome ? WORK_ITEM_OUTCOME_LABELS[item.outcome] : 'Done'}
                      {item.doneBy && ` · ${item.doneBy.name}`}
                      {item.doneAt && ` · ${formatTime(item.doneAt)}`}
                    </p>
                    {item.note && <p className="work-item__detail">{item.note}</p>}
                  </div>
                  <div className="work-item__actions">
                    <button
                      type="button"
                      className="button button--small button--quiet"
                      onClick={() => void stores.workQueue.getState().reopen(item.id)}
                    >
                      Reopen
                    </button>
                  </div>
                  <WorkItemHistory item={item} label={`${who} (${WORK_ITEM_KIND_LABELS[item.kind]}, done)`} />
                </li>
              );
            })}
          </ul>
        )}
      </Panel>
    </div>
  );
}
