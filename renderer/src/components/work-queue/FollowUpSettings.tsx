// The clinic's work-queue settings, for administrators on the Settings page: the missed-call text-back
// (on or off, its words, the hours it may go out in the clinic's time zone) and how soon the clinic
// promises to call back. Clinic-wide, so unlike this PC's preferences they are saved with a button.
import { useEffect, useId, useState } from 'react';
import { WORK_QUEUE_SETTING_LIMITS, type ClinicSettings } from '@voxanne/protocol';
import { useBridge } from '../../stores/context';
import { useAsyncAction } from '../../hooks/use-async-action';
import { errorMessage } from '../../format/errors';
import { Panel } from '../ui/Panel';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Loading } from '../ui/Loading';

type Draft = Pick<ClinicSettings, 'textBackEnabled' | 'textBackMessage' | 'textBackFrom' | 'textBackUntil' | 'callbackWindowMinutes'>;

const WINDOW_CHOICES = [15, 30, 60, 120, 240, 480, 1440];
const windowLabel = (minutes: number) =>
  minutes < 60 ? `${minutes} minutes` : minutes === 60 ? '1 hour' : minutes % 60 === 0 ? `${minutes / 60} hours` : `${minutes} minutes`;

const draftOf = (s: ClinicSettings): Draft => ({
  textBackEnabled: s.textBackEnabled,
  textBackMessage: s.textBackMessage,
  textBackFrom: s.textBackFrom,
  textBackUntil: s.textBackUntil,
  callbackWindowMinutes: s.callbackWindowMinutes,
});

export function FollowUpSettings() {
  const bridge = useBridge();
  const id = useId();
  const [saved, setSaved] = useState<Draft | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [justSaved, setJustSaved] = useState(false);
  const load = useAsyncAction(() => bridge.clinic.getSettings({}));
  const save = useAsyncAction((update: Draft) => bridge.clinic.updateSettings(update));
  const { run: runLoad } = load;

  useEffect(() => {
    void runLoad().then((result) => {
      if (result.ok) {
        setSaved(draftOf(result.data));
        setDraft(draftOf(result.data));
      }
    });
  }, [runLoad]);

  const change = (patch: Partial<Draft>) => {
    setProblem(null);
    setJustSaved(false);
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };
  const dirty = draft !== null && saved !== null && JSON.stringify(draft) !== JSON.stringify(saved);

  return (
    <Panel title="Work queue">
      {load.error && <ErrorNotice title="The clinic’s settings could not be loaded." error={load.error} onRetry={() => void runLoad()} />}
      {!draft ? (
        !load.error && <Loading label="Loading the clinic’s settings…" rows={3} />
      ) : (
        <form
          className="form"
          aria-label="Work queue settings"
          onSubmit={(event) => {
            event.preventDefault();
            const message = draft.textBackMessage.trim();
            if (!message) return setProblem('Write the text to send, or turn the text-back off.');
            if (draft.textBackFrom >= draft.textBackUntil) return setProblem('The texting hours must end after they start.');
            void save.run({ ...draft, textBackMessage: message }).then((result) => {
              if (result.ok) {
                setSaved(draftOf(result.data));
                setDraft(draftOf(result.data));
                setJustSaved(true);
              }
            });
          }}
        >
          <div className="field">
            <label className="field__label" htmlFor={`${id}-window`}>
              Call missed callers and messages back within
            </label>
            <select
              id={`${id}-window`}
              className="field__input field__input--short"
              value={draft.callbackWindowMinutes}
              onChange={(e) => change({ callbackWindowMinutes: Number(e.target.value) })}
            >
              {[...new Set([...WINDOW_CHOICES, draft.callbackWindowMinutes])]
                .sort((a, b) => a - b)
                .map((m) => (
                  <option key={m} value={m}>
                    {windowLabel(m)}
                  </option>
                ))}
            </select>
            <p className="field__hint">Their items are due then, and show as overdue after.</p>
          </div>
          <fieldset className="fieldset">
            <legend className="field__label">Missed-call text-back</legend>
            <div className="toggle">
              <input
                id={`${id}-enabled`}
                type="checkbox"
                checked={draft.textBackEnabled}
                aria-describedby={`${id}-enabled-hint`}
                onChange={(e) => change({ textBackEnabled: e.target.checked })}
              />
              <label htmlFor={`${id}-enabled`}>Text missed callers back</label>
              <p id={`${id}-enabled-hint`} className="field__hint">
                Once a day per number, to mobiles only, never to anyone who replied STOP. Their replies show on the item.
              </p>
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-message`}>
                Text
              </label>
              <textarea
                id={`${id}-message`}
                className="field__input"
                rows={2}
                maxLength={WORK_QUEUE_SETTING_LIMITS.textBackMessage.max}
                value={draft.textBackMessage}
                disabled={!draft.textBackEnabled}
                onChange={(e) => change({ textBackMessage: e.target.value })}
              />
            </div>
            <div className="form__grid form__grid--tight">
              <div className="field">
                <label className="field__label" htmlFor={`${id}-from`}>
                  Texting from
                </label>
                <input
                  id={`${id}-from`}
                  type="time"
                  className="field__input field__input--time"
                  value={draft.textBackFrom}
                  disabled={!draft.textBackEnabled}
                  onChange={(e) => e.target.value && change({ textBackFrom: e.target.value })}
                />
              </div>
              <div className="field">
                <label className="field__label" htmlFor={`${id}-until`}>
                  Until
                </label>
                <input
                  id={`${id}-until`}
                  type="time"
                  className="field__input field__input--time"
                  value={draft.textBackUntil}
                  disabled={!draft.textBackEnabled}
                  onChange={(e) => e.target.value && change({ textBackUntil: e.target.value })}
                />
              </div>
            </div>
          </fieldset>
          <div className="form__footer">
            {(problem ?? save.error) && (
              <p className="notice notice--error" role="alert">
                {problem ?? `Not saved. ${errorMessage(save.error!)}`}
              </p>
            )}
            <p className="form__state" role="status">
              {justSaved ? 'Saved.' : dirty && !save.pending ? 'Not saved yet.' : ''}
            </p>
            <button type="submit" className="button" disabled={!dirty || save.pending}>
              {save.pending ? 'Saving…' : 'Save work queue settings'}
            </button>
          </div>
        </form>
      )}
    </Panel>
  );
}
