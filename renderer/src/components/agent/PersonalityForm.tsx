// The personality editor: name, greeting, system prompt, voice, time zone, hours, transfer number
// and how a transfer briefs the front desk, the countries the clinic calls and texts, appointment
// length. The draft lives in the agent store; problems are shown per
// field before anything is sent, and the server's field errors land on the same fields. Read-only
// (every field disabled, no save) for those who may not change the assistant.
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { VOICE_CHOICES, type AgentPersonality } from '@voxanne/protocol';
import { useAgent, useStores } from '../../stores/context';
import { checkPersonality, countriesFromText, type FieldErrors } from '../../stores/personality-draft';
import { formatPhoneNumber } from '../../format/phone';
import { errorMessage } from '../../format/errors';
import { PhoneField } from '../ui/PhoneField';
import { HoursEditor } from './HoursEditor';

function Field(props: {
  label: string;
  error?: string;
  hint?: string;
  children: (ids: { id: string; describedBy?: string }) => ReactNode;
}) {
  const id = useId();
  const describedBy = [props.hint ? `${id}-hint` : null, props.error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id} className="field__label">
        {props.label}
      </label>
      {props.children({ id, describedBy })}
      {props.hint && (
        <p id={`${id}-hint`} className="field__hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={`${id}-error`} className="field__error">
          {props.error}
        </p>
      )}
    </div>
  );
}

const voiceKey = (v: { provider: string; voiceId: string }) => `${v.provider}:${v.voiceId}`;

function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return all.includes(current) ? all : [current, ...all];
}

export function PersonalityForm(props: { saved: AgentPersonality; readOnly?: boolean }) {
  const stores = useStores();
  const draft = useAgent((s) => s.draft);
  const saving = useAgent((s) => s.saving);
  const saveError = useAgent((s) => s.saveError);
  const [attempted, setAttempted] = useState(false);
  const [justSaved, setJustSaved] = useState(false);
  const value = draft ?? props.saved;
  const dirty = draft !== null;

  const check = useMemo(() => checkPersonality(value), [value]);
  const serverErrors: FieldErrors = Object.fromEntries(
    (saveError?.details ?? []).map((d) => [d.path.replace(/^personality\./, ''), d.message]),
  );
  const errors: FieldErrors = { ...(attempted && !check.ok ? check.errors : {}), ...serverErrors };
  const zones = useMemo(() => timeZones(value.timeZone), [value.timeZone]);
  const countriesError = Object.entries(errors).find(([key]) => key.startsWith('allowedCountries'))?.[1];
  const warm = value.warmTransfer;
  const voiceOptions = VOICE_CHOICES.some((v) => voiceKey(v) === voiceKey(value.voice))
    ? VOICE_CHOICES
    : [...VOICE_CHOICES, { ...value.voice, label: `${value.voice.voiceId} (${value.voice.provider})` }];

  const change = (patch: Partial<AgentPersonality>) => {
    setJustSaved(false);
    stores.agent.getState().edit({ ...value, ...patch });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (!check.ok) {
      // Take the keyboard to the first problem.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('.personality [aria-invalid="true"]')?.focus());
      return;
    }
    const ok = await stores.agent.getState().save();
    if (ok) {
      setAttempted(false);
      setJustSaved(true);
    }
  };

  return (
    <form className="form personality" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset className="form form__fields" disabled={props.readOnly}>
        <div className="form__grid">
          <Field label="Assistant name" error={errors.name}>
            {({ id, describedBy }) => (
              <input
                id={id}
                className="field__input"
                value={value.name}
                maxLength={80}
                aria-invalid={errors.name ? true : undefined}
                aria-describedby={describedBy}
                onChange={(e) => change({ name: e.target.value })}
              />
            )}
          </Field>
          <Field label="Voice" error={errors.voice ?? errors['voice.voiceId']}>
            {({ id, describedBy }) => (
              <select
                id={id}
                className="field__input"
                value={voiceKey(value.voice)}
                aria-describedby={describedBy}
                onChange={(e) => {
                  const choice = voiceOptions.find((v) => voiceKey(v) === e.target.value);
                  if (choice) change({ voice: { provider: choice.provider, voiceId: choice.voiceId } });
                }}
              >
                {voiceOptions.map((v) => (
                  <option key={voiceKey(v)} value={voiceKey(v)}>
                    {v.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field label="Greeting" hint="The first thing the assistant says when it answers." error={errors.greeting}>
          {({ id, describedBy }) => (
            <textarea
              id={id}
              className="field__input"
              rows={2}
              maxLength={500}
              value={value.greeting}
              aria-invalid={errors.greeting ? true : undefined}
              aria-describedby={describedBy}
              onChange={(e) => change({ greeting: e.target.value })}
            />
          )}
        </Field>
        <Field
          label="Instructions (system prompt)"
          hint="How the assistant should behave: tone, what it may and may not do, when to hand over to the desk."
          error={errors.systemPrompt}
        >
          {({ id, describedBy }) => (
            <textarea
              id={id}
              className="field__input field__input--prompt"
              rows={8}
              maxLength={20_000}
              value={value.systemPrompt}
              aria-invalid={errors.systemPrompt ? true : undefined}
              aria-describedby={describedBy}
              onChange={(e) => change({ systemPrompt: e.target.value })}
            />
          )}
        </Field>
        <div className="form__grid">
          <Field label="Time zone" hint="The clinic's local time, for opening hours." error={errors.timeZone}>
            {({ id, describedBy }) => (
              <select
                id={id}
                className="field__input"
                value={value.timeZone}
                aria-invalid={errors.timeZone ? true : undefined}
                aria-describedby={describedBy}
                onChange={(e) => change({ timeZone: e.target.value })}
              >
                {zones.map((zone) => (
                  <option key={zone} value={zone}>
                    {zone.replaceAll('_', ' ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Appointment length (minutes)" error={errors.appointmentMinutes}>
            {({ id, describedBy }) => (
              <input
                id={id}
                className="field__input field__input--short"
                type="number"
                min={5}
                max={240}
                step={5}
                value={Number.isNaN(value.appointmentMinutes) ? '' : value.appointmentMinutes}
                aria-invalid={errors.appointmentMinutes ? true : undefined}
                aria-describedby={describedBy}
                onChange={(e) => change({ appointmentMinutes: e.target.valueAsNumber })}
              />
            )}
          </Field>
        </div>
        <PhoneField
          label="Transfer number"
          hint="Where the assistant sends callers who ask for a person. Leave empty for no transfers. Include the country code."
          value={
            value.transferNumber === props.saved.transferNumber && value.transferNumber
              ? formatPhoneNumber(value.transferNumber)
              : (value.transferNumber ?? '')
          }
          error={errors.transferNumber ?? null}
          onChange={(text) => change({ transferNumber: text.trim() === '' ? null : text })}
        />
        <fieldset className="fieldset">
          <legend className="field__label">When a caller is put through</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={warm.enabled}
              onChange={(e) => change({ warmTransfer: { ...warm, enabled: e.target.checked } })}
            />
            Brief the person who picks up before connecting the caller (warm transfer)
          </label>
          {warm.enabled && (
            <Field label="What they hear first" error={errors['warmTransfer.briefing']}>
              {({ id, describedBy }) => (
                <select
                  id={id}
                  className="field__input"
                  value={warm.briefing}
                  aria-describedby={describedBy}
                  onChange={(e) => change({ warmTransfer: { ...warm, briefing: e.target.value === 'summary' ? 'summary' : 'message' } })}
                >
                  <option value="message">A one-line message</option>
                  <option value="summary">A short summary of the call so far</option>
                </select>
              )}
            </Field>
          )}
          {warm.enabled && warm.briefing === 'message' && (
            <Field
              label="Briefing message"
              hint="{caller} becomes the patient’s name when their number is on file; {reason} what the call is about."
              error={errors['warmTransfer.message']}
            >
              {({ id, describedBy }) => (
                <textarea
                  id={id}
                  className="field__input"
                  rows={2}
                  maxLength={300}
                  value={warm.message}
                  aria-invalid={errors['warmTransfer.message'] ? true : undefined}
                  aria-describedby={describedBy}
                  onChange={(e) => change({ warmTransfer: { ...warm, message: e.target.value } })}
                />
              )}
            </Field>
          )}
        </fieldset>
        <Field
          label="Countries the clinic calls and texts"
          hint="Two-letter codes, separated by commas (for example GB, IE). Empty: the clinic’s own country, from its phone number. Test calls and booking texts go only to ordinary mobile and landline numbers there."
          error={countriesError}
        >
          {({ id, describedBy }) => (
            <input
              id={id}
              className="field__input field__input--short"
              value={value.allowedCountries.join(', ')}
              autoCapitalize="characters"
              spellCheck={false}
              aria-invalid={countriesError ? true : undefined}
              aria-describedby={describedBy}
              onChange={(e) => change({ allowedCountries: countriesFromText(e.target.value) })}
            />
          )}
        </Field>
        <HoursEditor hours={value.hours} errors={errors} onChange={(hours) => change({ hours })} />
      </fieldset>

      {!props.readOnly && (
        <div className="form__footer">
          {saveError && !saveError.details?.length && (
            <p className="notice notice--error" role="alert">
              The changes were not saved. {errorMessage(saveError)}
            </p>
          )}
          {attempted && !check.ok && (
            <p className="notice notice--error" role="alert">
              Some fields need attention before saving.
            </p>
          )}
          <p className="form__state" role="status">
            {saving ? 'Saving…' : dirty ? 'Unsaved changes' : justSaved ? 'Saved.' : 'All changes saved'}
          </p>
          <button
            type="button"
            className="button"
            disabled={!dirty || saving}
            onClick={() => {
              setAttempted(false);
              stores.agent.getState().discard();
            }}
          >
            Discard changes
          </button>
          <button type="submit" className="button button--primary" disabled={!dirty || saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      )}
    </form>
  );
}
