// The clinic's compliance settings, for its administrators: how long transcripts, calls and the
// activity log are kept, and whether transcripts are stored redacted. Checked here against the same
// ranges the backend enforces, saved with one button (the backend logs the change).
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { RETENTION_LIMITS, type ApiError, type ClinicSettings, type IpcResult } from '@voxanne/protocol';
import { settle } from '../../bridge';
import { useBridge } from '../../stores/context';
import { useAsyncAction } from '../../hooks/use-async-action';
import { errorMessage } from '../../format/errors';
import { Panel } from '../ui/Panel';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Loading } from '../ui/Loading';

type DayField = 'transcriptRetentionDays' | 'callRetentionDays' | 'auditRetentionDays';
const DAY_FIELDS: { field: DayField; label: string; limits: { min: number; max: number }; hint: string }[] = [
  {
    field: 'transcriptRetentionDays',
    label: 'Keep transcripts and recordings (days)',
    limits: RETENTION_LIMITS.transcriptDays,
    hint: 'Transcripts, recording links, summaries and analyses.',
  },
  {
    field: 'callRetentionDays',
    label: 'Keep call records (days)',
    limits: RETENTION_LIMITS.callDays,
    hint: 'Who called, when and the outcome. Never less than transcripts.',
  },
  {
    field: 'auditRetentionDays',
    label: 'Keep the activity log (days)',
    limits: RETENTION_LIMITS.auditDays,
    hint: 'At least six years.',
  },
];

type Draft = Record<DayField, string> & { storeTranscriptsRedacted: boolean };

const toDraft = (s: ClinicSettings): Draft => ({
  transcriptRetentionDays: String(s.transcriptRetentionDays),
  callRetentionDays: String(s.callRetentionDays),
  auditRetentionDays: String(s.auditRetentionDays),
  storeTranscriptsRedacted: s.storeTranscriptsRedacted,
});

/** A problem per field, or none; the numbers when all is well. */
/** The part of the clinic's settings this panel saves (the work-queue panel saves the rest). */
type ComplianceSettings = Pick<ClinicSettings, DayField | 'storeTranscriptsRedacted'>;

function check(draft: Draft): { problems: Partial<Record<DayField, string>>; values: ComplianceSettings | null } {
  const problems: Partial<Record<DayField, string>> = {};
  const days = {} as Record<DayField, number>;
  for (const { field, limits } of DAY_FIELDS) {
    const n = Number(draft[field]);
    if (!/^\d+$/.test(draft[field].trim()) || n < limits.min || n > limits.max)
      problems[field] = `Enter a whole number of days from ${limits.min} to ${limits.max}.`;
    days[field] = n;
  }
  if (!problems.transcriptRetentionDays && !problems.callRetentionDays && days.callRetentionDays < days.transcriptRetentionDays)
    problems.callRetentionDays = 'Keep call records at least as long as transcripts.';
  return Object.keys(problems).length
    ? { problems, values: null }
    : { problems, values: { ...days, storeTranscriptsRedacted: draft.storeTranscriptsRedacted } };
}

export function ClinicCompliance() {
  const bridge = useBridge();
  const id = useId();
  const [loaded, setLoaded] = useState<{ status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready' }>({
    status: 'loading',
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problems, setProblems] = useState<Partial<Record<DayField, string>>>({});
  const [saved, setSaved] = useState(false);
  const save = useAsyncAction((values: ComplianceSettings) => bridge.clinic.updateSettings(values));

  const show = useCallback((result: IpcResult<ClinicSettings>) => {
    if (result.ok) {
      setDraft(toDraft(result.data));
      setLoaded({ status: 'ready' });
    } else setLoaded({ status: 'error', error: result.error });
  }, []);
  const retry = async () => {
    setLoaded({ status: 'loading' });
    show(await settle(bridge.clinic.getSettings({})));
  };

  useEffect(() => {
    let current = true;
    void settle(bridge.clinic.getSettings({})).then((result) => {
      if (current) show(result);
    });
    return () => {
      current = false;
    };
  }, [bridge, show]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    setSaved(false);
    const checked = check(draft);
    setProblems(checked.problems);
    if (!checked.values) return;
    const result = await save.run(checked.values);
    if (result.ok) {
      setDraft(toDraft(result.data));
      setSaved(true);
    }
  };

  return (
    <Panel title="Clinic records and privacy" busy={loaded.status === 'loading'}>
      {loaded.status === 'loading' ? (
        <Loading label="Loading clinic settings…" rows={3} />
      ) : loaded.status === 'error' ? (
        <ErrorNotice title="The clinic settings could not be loaded." error={loaded.error} onRetry={() => void retry()} />
      ) : (
        draft && (
          <form className="form" aria-label="Clinic records and privacy" noValidate onSubmit={(e) => void submit(e)}>
            <fieldset className="form__fields" disabled={save.pending}>
              <div className="form__grid">
                {DAY_FIELDS.map(({ field, label, limits, hint }) => (
                  <div className="field" key={field}>
                    <label className="field__label" htmlFor={`${id}-${field}`}>
                      {label}
                    </label>
                    <input
                      id={`${id}-${field}`}
                      type="number"
                      inputMode="numeric"
                      min={limits.min}
                      max={limits.max}
                      className="field__input field__input--short"
                      value={draft[field]}
                      aria-invalid={problems[field] ? true : undefined}
                      aria-describedby={`${id}-${field}-hint`}
                      onChange={(e) => {
                        setSaved(false);
                        setDraft({ ...draft, [field]: e.target.value });
                      }}
                    />
                    <p id={`${id}-${field}-hint`} className="field__hint">
                      {problems[field] ?? `${hint} ${limits.min}–${limits.max}.`}
                    </p>
                  </div>
                ))}
              </div>
              <div className="toggle">
                <input
                  id={`${id}-redacted`}
                  type="checkbox"
                  checked={draft.storeTranscriptsRedacted}
                  aria-describedby={`${id}-redacted-hint`}
                  onChange={(e) => {
                    setSaved(false);
                    setDraft({ ...draft, storeTranscriptsRedacted: e.target.checked });
                  }}
                />
                <label htmlFor={`${id}-redacted`}>Store transcripts redacted</label>
                <p id={`${id}-redacted-hint`} className="field__hint">
                  Card numbers, dates of birth and email addresses are masked before a transcript is stored or shown, and the voice platform
                  is asked to keep no recordings or transcripts of its own.
                </p>
              </div>
            </fieldset>
            <div className="form__footer">
              <button type="submit" className="button button--primary" disabled={save.pending}>
                {save.pending ? 'Saving…' : 'Save clinic settings'}
              </button>
              <p className="form__state" role="status">
                {saved ? 'Saved.' : ''}
              </p>
              {save.error && (
                <p className="notice notice--error" role="alert">
                  {errorMessage(save.error)}
                </p>
              )}
            </div>
          </form>
        )
      )}
    </Panel>
  );
}
