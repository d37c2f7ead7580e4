// A phone number input that formats as the user types (libphonenumber-js AsYouType) and says
// what is wrong before anything is sent. The value handed back is what the user typed; callers
// normalise it with the protocol's normalizePhoneNumber.
import { useId } from 'react';
import { AsYouType } from 'libphonenumber-js/min';

export function formatAsYouType(input: string): string {
  // Deleting a formatting character should delete, not be re-added at once.
  if (!/\d/.test(input)) return input;
  return new AsYouType().input(input);
}

export function PhoneField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  hint?: string;
  disabled?: boolean;
  name?: string;
  required?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id} className="field__label">
        {props.label}
      </label>
      <input
        id={id}
        name={props.name}
        className="field__input field__input--phone"
        type="tel"
        inputMode="tel"
        autoComplete="tel"
        value={props.value}
        disabled={props.disabled}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => {
          const raw = event.target.value;
          // Only reformat when characters were added at the end; edits in the middle keep the caret.
          const appended = raw.length > props.value.length && raw.startsWith(props.value.replace(/\s+$/, ''));
          props.onChange(appended ? formatAsYouType(raw) : raw);
        }}
      />
      {props.hint && (
        <p id={hintId} className="field__hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={errorId} className="field__error">
          {props.error}
        </p>
      )}
    </div>
  );
}
