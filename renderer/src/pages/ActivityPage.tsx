// The clinic's activity log for its administrators: who saw or changed what, newest first, filtered
// by person, action, days and the call/patient/staff id it was done to; "Load more" follows the
// backend's cursor; "Export CSV" saves the same filtered log as the backend writes it (the export is
// itself logged there).
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import {
  AUDIT_ACTIONS,
  type ApiError,
  type AuditAction,
  type AuditEntry,
  type AuditExportQuery,
  type StaffMember,
} from '@voxanne/protocol';
import { settle } from '../bridge';
import { useBridge } from '../stores/context';
import { useAsyncAction } from '../hooks/use-async-action';
import { formatFullDateTime } from '../format/time';
import { errorMessage } from '../format/errors';
import { AUDIT_ACTION_LABEL } from '../format/labels';
import { PageHeader } from '../components/ui/PageHeader';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { EmptyState, Loading } from '../components/ui/Loading';
import { saveTextFile } from '../components/activity/save-text-file';

const PAGE_SIZE = 50;

interface FilterValues {
  actor: string;
  action: AuditAction | '';
  objectId: string;
  from: string;
  to: string;
}
const NO_FILTERS: FilterValues = { actor: '', action: '', objectId: '', from: '', to: '' };

function toQuery(values: FilterValues): AuditExportQuery {
  const query: AuditExportQuery = {};
  if (values.actor) query.actor = values.actor;
  if (values.action) query.action = values.action;
  if (values.objectId.trim()) query.objectId = values.objectId.trim();
  if (values.from) query.from = values.from;
  if (values.to) query.to = values.to;
  return query;
}

type LogState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; items: AuditEntry[]; nextCursor: string | null; moreError: ApiError | null; loadingMore: boolean };

function describeObject(entry: AuditEntry): string {
  if (!entry.objectType) return '';
  return entry.objectId ? `${entry.objectType.replace('_', ' ')} ${entry.objectId}` : entry.objectType.replace('_', ' ');
}

function describeDetails(details: AuditEntry['details']): string {
  if (!details) return '';
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}

function Filters(props: { staff: StaffMember[]; onApply: (values: FilterValues) => void }) {
  const [values, setValues] = useState<FilterValues>(NO_FILTERS);
  const id = useId();
  const set = (patch: Partial<FilterValues>) => setValues((v) => ({ ...v, ...patch }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply(values);
  };
  return (
    <form className="form form--filters" aria-label="Filter the activity" onSubmit={submit}>
      <div className="form__grid">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-actor`}>
            Person
          </label>
          <select id={`${id}-actor`} className="field__input" value={values.actor} onChange={(e) => set({ actor: e.target.value })}>
            <option value="">Everyone</option>
            {props.staff.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.email})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-action`}>
            Action
          </label>
          <select
            id={`${id}-action`}
            className="field__input"
            value={values.action}
            onChange={(e) => set({ action: e.target.value as AuditAction | '' })}
          >
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {AUDIT_ACTION_LABEL[action]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-object`}>
            Call, patient or staff id
          </label>
          <input
            id={`${id}-object`}
            className="field__input"
            value={values.objectId}
            maxLength={100}
            onChange={(e) => set({ objectId: e.target.value })}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-from`}>
            From
          </label>
          <input
            id={`${id}-from`}
            type="date"
            className="field__input"
            value={values.from}
            onChange={(e) => set({ from: e.target.value })}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-to`}>
            To
          </label>
          <input id={`${id}-to`} type="date" className="field__input" value={values.to} onChange={(e) => set({ to: e.target.value })} />
        </div>
      </div>
      <div className="form__footer">
        <button type="submit" className="button button--primary">
          Apply filters
        </button>
        <button
          type="button"
          className="button button--quiet"
          onClick={() => {
            setValues(NO_FILTERS);
            props.onApply(NO_FILTERS);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

export function ActivityPage() {
  const bridge = useBridge();
  const [filters, setFilters] = useState<FilterValues>(NO_FILTERS);
  const [state, setState] = useState<LogState>({ status: 'loading' });
  const [staff, setStaff] = useState<StaffMember[]>([]);
  const [exported, setExported] = useState<string | null>(null);
  const exportCsv = useAsyncAction(() => bridge.auditLog.exportCsv(toQuery(filters)));

  useEffect(() => {
    let current = true;
    void settle(bridge.staff.list({})).then((result) => {
      if (current && result.ok) setStaff(result.data.items);
    });
    return () => {
      current = false;
    };
  }, [bridge]);

  // Only the newest request's answer is shown: filters applied twice quickly cannot show the first.
  const latest = useRef(0);
  const load = useCallback(
    async (next: FilterValues) => {
      const ticket = ++latest.current;
      const result = await settle(bridge.auditLog.list({ ...toQuery(next), limit: PAGE_SIZE }));
      if (ticket !== latest.current) return;
      setState(
        result.ok
          ? { status: 'ready', items: result.data.items, nextCursor: result.data.nextCursor, moreError: null, loadingMore: false }
          : { status: 'error', error: result.error },
      );
    },
    [bridge],
  );
  const apply = (next: FilterValues) => {
    setFilters(next);
    setState({ status: 'loading' });
    void load(next);
  };

  useEffect(() => {
    void load(NO_FILTERS);
    // Unmounting drops whatever answer is still on its way.
    return () => {
      latest.current += 1;
    };
  }, [load]);

  const loadMore = useCallback(async () => {
    if (state.status !== 'ready' || !state.nextCursor) return;
    const before = state;
    setState({ ...before, loadingMore: true, moreError: null });
    const result = await settle(bridge.auditLog.list({ ...toQuery(filters), limit: PAGE_SIZE, cursor: before.nextCursor ?? undefined }));
    setState(
      result.ok
        ? { ...before, items: [...before.items, ...result.data.items], nextCursor: result.data.nextCursor, loadingMore: false }
        : { ...before, loadingMore: false, moreError: result.error },
    );
  }, [bridge, filters, state]);

  const onExport = async () => {
    setExported(null);
    const result = await exportCsv.run();
    if (!result.ok) return;
    saveTextFile(result.data.filename, result.data.csv, 'text/csv');
    setExported(result.data.filename);
  };

  return (
    <div className="page page--activity">
      <PageHeader title="Activity">
        <button type="button" className="button" disabled={exportCsv.pending} onClick={() => void onExport()}>
          {exportCsv.pending ? 'Exporting…' : 'Export CSV'}
        </button>
      </PageHeader>
      <p className="page__lead">Who signed in, opened calls or changed settings, for as long as the clinic keeps its log.</p>
      {exportCsv.error && (
        <p className="notice notice--error" role="alert">
          The export failed. {errorMessage(exportCsv.error)}
        </p>
      )}
      {exported && (
        <p className="notice notice--info" role="status">
          Saved {exported}.
        </p>
      )}
      <Filters staff={staff} onApply={apply} />
      <div className="history-results" aria-busy={state.status === 'loading' || undefined}>
        {state.status === 'loading' ? (
          <Loading label="Loading activity…" rows={6} />
        ) : state.status === 'error' ? (
          <ErrorNotice title="The activity could not be loaded." error={state.error} onRetry={() => apply(filters)} />
        ) : state.items.length === 0 ? (
          <EmptyState title="No activity matches">Try other filters or clear them.</EmptyState>
        ) : (
          <>
            <table className="table">
              <caption className="visually-hidden">Activity, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">On</th>
                  <th scope="col">Details</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {state.items.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatFullDateTime(entry.at)}</td>
                    <td>{entry.actor ? (entry.actor.name ?? entry.actor.staffId) : 'System'}</td>
                    <td>{AUDIT_ACTION_LABEL[entry.action]}</td>
                    <td className="facts__mono">{describeObject(entry)}</td>
                    <td>{describeDetails(entry.details)}</td>
                    <td className="facts__mono">{entry.address ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {state.moreError && (
              <ErrorNotice title="More activity could not be loaded." error={state.moreError} onRetry={() => void loadMore()} />
            )}
            {state.nextCursor && (
              <button type="button" className="button" disabled={state.loadingMore} onClick={() => void loadMore()}>
                {state.loadingMore ? 'Loading…' : 'Load more'}
              </button>
            )}
          </>
        )}
      </div>
    </div>
  );
}
