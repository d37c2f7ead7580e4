// Search and filters for the call history. Search applies as you type (debounced by the page);
// the selects apply at once.
import { useId } from 'react';
import { CALL_OUTCOME_LABEL, CALL_DIRECTION_LABEL, CALL_STATUS_LABEL } from '../../format/labels';
import type { CallDirection, CallOutcome, CallStatus } from '@voxanne/protocol';

export interface CallFilterValues {
  q: string;
  status: CallStatus | '';
  direction: CallDirection | '';
  outcome: CallOutcome | '';
  from: string;
  to: string;
}

export const NO_FILTERS: CallFilterValues = { q: '', status: '', direction: '', outcome: '', from: '', to: '' };

function Select<T extends string>(props: { label: string; value: T | ''; options: Record<T, string>; onChange: (value: T | '') => void }) {
  const id = useId();
  return (
    <div className="field field--inline">
      <label htmlFor={id} className="field__label">
        {props.label}
      </label>
      <select id={id} className="field__input" value={props.value} onChange={(e) => props.onChange(e.target.value as T | '')}>
        <option value="">Any</option>
        {(Object.entries(props.options) as [T, string][]).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CallFilters(props: { values: CallFilterValues; onChange: (values: CallFilterValues) => void }) {
  const { values, onChange } = props;
  const set = <K extends keyof CallFilterValues>(key: K, value: CallFilterValues[K]) => onChange({ ...values, [key]: value });
  const isFiltered = JSON.stringify(values) !== JSON.stringify(NO_FILTERS);
  return (
    <form className="filters" role="search" aria-label="Search calls" onSubmit={(e) => e.preventDefault()}>
      <div className="field field--inline field--grow">
        <label htmlFor="call-search" className="field__label">
          Search
        </label>
        <input
          id="call-search"
          className="field__input"
          type="search"
          placeholder="Name, number or words in the summary"
          value={values.q}
          maxLength={100}
          onChange={(e) => set('q', e.target.value)}
        />
      </div>
      <Select label="Status" value={values.status} options={CALL_STATUS_LABEL} onChange={(v) => set('status', v)} />
      <Select label="Type" value={values.direction} options={CALL_DIRECTION_LABEL} onChange={(v) => set('direction', v)} />
      <Select label="Outcome" value={values.outcome} options={CALL_OUTCOME_LABEL} onChange={(v) => set('outcome', v)} />
      <div className="field field--inline">
        <label htmlFor="call-from" className="field__label">
          From
        </label>
        <input
          id="call-from"
          className="field__input"
          type="date"
          value={values.from}
          max={values.to || undefined}
          onChange={(e) => set('from', e.target.value)}
        />
      </div>
      <div className="field field--inline">
        <label htmlFor="call-to" className="field__label">
          To
        </label>
        <input
          id="call-to"
          className="field__input"
          type="date"
          value={values.to}
          min={values.from || undefined}
          onChange={(e) => set('to', e.target.value)}
        />
      </div>
      <button type="button" className="button button--quiet" disabled={!isFiltered} onClick={() => onChange(NO_FILTERS)}>
        Clear filters
      </button>
    </form>
  );
}
