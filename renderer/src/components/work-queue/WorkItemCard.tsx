// One item of the shared work queue with what the desk can do about it: claim it ("I'm on it"), take
// it over from a colleague, give it back, call back (the PC's phone handler, or the assistant), and
// close it with how it ended. A refusal (someone else got there first) is said in the card, and an
// item past its due time (the clinic's callback promise, for missed calls and messages) is marked.
// Its history (who did what, and when) opens below it.
import { useId, useState } from 'react';
import {
  WORK_ITEM_KIND_LABELS,
  WORK_ITEM_OUTCOMES,
  WORK_ITEM_OUTCOME_LABELS,
  type IpcResult,
  type WorkItem,
  type WorkItemOutcome,
} from '@voxanne/protocol';
import { useSession, useStores } from '../../stores/context';
import { formatPhoneNumber } from '../../format/phone';
import { formatTime } from '../../format/time';
import { CallLink } from '../ui/CallLink';
import { WorkItemHistory } from './WorkItemHistory';
import { useNow } from '../../hooks/use-now';

export function WorkItemCard(props: { item: WorkItem }) {
  const { item } = props;
  const stores = useStores();
  const me = useSession((s) => (s.session && s.session.status !== 'signed-out' ? s.session.user.id : null));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [closing, setClosing] = useState(false);
  const [outcome, setOutcome] = useState<WorkItemOutcome | ''>('');
  const [note, setNote] = useState('');
  const formId = useId();
  const who = item.patientName ?? (item.callerNumber ? formatPhoneNumber(item.callerNumber) : 'Withheld number');
  const mine = item.status === 'claimed' && item.claimedBy?.id === me;
  const theirs = item.status === 'claimed' && !mine;
  const queue = stores.workQueue.getState();
  const now = useNow();
  const overdue = item.status !== 'done' && Date.parse(item.dueAt) < now;

  const run = async (action: () => Promise<IpcResult<unknown>>) => {
    setBusy(true);
    setError(null);
    const result = await action();
    setBusy(false);
    if (!result.ok) setError(result.error.message);
    return result.ok;
  };

  return (
    <li
      className={`work-item work-item--${item.priority}${overdue ? ' work-item--overdue' : ''}`}
      aria-label={`${WORK_ITEM_KIND_LABELS[item.kind]}: ${who}${overdue ? ' (overdue)' : ''}`}
    >
      <div className="work-item__text">
        <p className="work-item__kind">
          {WORK_ITEM_KIND_LABELS[item.kind]}
          {item.priority === 'high' && <span className="work-item__priority"> · urgent</span>}
          <span className="work-item__time"> · due {formatTime(item.dueAt)}</span>
          {overdue && <span className="work-item__overdue"> · overdue</span>}
        </p>
        <p className="work-item__who">
          {who}
          {item.callCount > 1 && <span> · called {item.callCount} times</span>}
        </p>
        <p className="work-item__title">{item.title}</p>
        {item.detail && <p className="work-item__detail">{item.detail}</p>}
        {item.status === 'claimed' && item.claimedBy && (
          <p className="work-item__claim" role="status">
            {mine ? 'You are on it' : `${item.claimedBy.name} is on it`}
          </p>
        )}
        {error && (
          <p className="work-item__error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="work-item__actions">
        {item.status === 'open' && (
          <button type="button" className="button button--small" disabled={busy} onClick={() => void run(() => queue.claim(item.id))}>
            I’m on it
          </button>
        )}
        {theirs && (
          <button
            type="button"
            className="button button--small button--quiet"
            disabled={busy}
            onClick={() => void run(() => queue.claim(item.id, true))}
          >
            Take over
          </button>
        )}
        {mine && (
          <>
            {item.callerNumber && (
              <a className="button button--small" href={`tel:${item.callerNumber}`}>
                Call back
              </a>
            )}
            {item.callerNumber && (
              <button
                type="button"
                className="button button--small button--quiet"
                disabled={busy}
                onClick={() => void run(() => queue.callBack(item.id))}
              >
                Ask the assistant to call back
              </button>
            )}
            <button type="button" className="button button--small" disabled={busy} onClick={() => setClosing(true)}>
              Done…
            </button>
            <button
              type="button"
              className="button button--small button--quiet"
              disabled={busy}
              onClick={() => void run(() => queue.release(item.id))}
            >
              Release
            </button>
          </>
        )}
        {item.callId && (
          <CallLink callId={item.callId} className="button button--small button--quiet" label={`Open call with ${who}`}>
            Open call
          </CallLink>
        )}
      </div>
      {closing && mine && (
        <form
          className="work-item__close"
          aria-label={`Close: ${who}`}
          onSubmit={(event) => {
            event.preventDefault();
            if (!outcome) return setError('Choose how it ended.');
            void run(() => queue.done(item.id, outcome, note.trim() || undefined)).then((ok) => ok && setClosing(false));
          }}
        >
          <label htmlFor={`${formId}-outcome`}>How did it end?</label>
          <select id={`${formId}-outcome`} value={outcome} onChange={(e) => setOutcome(e.target.value as WorkItemOutcome | '')}>
            <option value="">Choose an outcome</option>
            {WORK_ITEM_OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {WORK_ITEM_OUTCOME_LABELS[o]}
              </option>
            ))}
          </select>
          <label htmlFor={`${formId}-note`}>Note (optional)</label>
          <textarea id={`${formId}-note`} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          <div className="work-item__close-actions">
            <button type="submit" className="button button--small" disabled={busy}>
              Mark done
            </button>
            <button type="button" className="button button--small button--quiet" onClick={() => setClosing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <WorkItemHistory item={item} label={`${who} (${WORK_ITEM_KIND_LABELS[item.kind]})`} />
    </li>
  );
}
