// The dashboard's view of the shared work queue: the first few items in the order the desk works
// them, the open count, and the way to the full page. Replaces the per-console "Needs attention" list.
import { useWorkQueue, useStores } from '../../stores/context';
import { Panel } from '../ui/Panel';
import { EmptyState, Loading } from '../ui/Loading';
import { ErrorNotice } from '../ui/ErrorNotice';
import { WorkItemCard } from './WorkItemCard';

const SHOWN = 5;

export function WorkQueuePanel() {
  const stores = useStores();
  const items = useWorkQueue((s) => s.items);
  const counts = useWorkQueue((s) => s.counts);
  const load = useWorkQueue((s) => s.load);
  const total = counts?.total ?? items.length;
  return (
    <Panel
      title="Work queue"
      className={total > 0 ? 'panel--attention panel--attention-active' : 'panel--attention'}
      actions={
        <>
          <span className="panel__count">{total === 0 ? 'None' : `${total} open`}</span>
          <a
            href="#/work-queue"
            className="button button--small button--quiet"
            onClick={(event) => {
              event.preventDefault();
              stores.navigation.getState().navigate({ page: 'work-queue' });
            }}
          >
            Open work queue
          </a>
        </>
      }
    >
      {load.status === 'error' ? (
        <ErrorNotice error={load.error} onRetry={() => void stores.workQueue.getState().loadQueue()} />
      ) : load.status === 'loading' && items.length === 0 ? (
        <Loading label="Loading the work queue" rows={2} />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing needs you right now" />
      ) : (
        <ul className="work-list">
          {items.slice(0, SHOWN).map((item) => (
            <WorkItemCard key={item.id} item={item} />
          ))}
        </ul>
      )}
    </Panel>
  );
}
