// Connect the clinic's Twilio number: the number, the account SID and auth token. Checked
// against the protocol schema before sending; the token is sent once and never shown again.
import { useState, type FormEvent } from 'react';
import { ConnectPhoneNumberRequestSchema, normalizePhoneNumber, type PhoneNumber } from '@voxanne/protocol';
import { useBridge } from '../../stores/context';
import { useAsyncAction } from '../../hooks/use-async-action';
import { errorMessage } from '../../format/errors';
import { PhoneField } from '../ui/PhoneField';

type Errors = Partial<Record<'phoneNumber' | 'twilioAccountSid' | 'twilioAuthToken', string>>;

function check(phoneNumber: string, twilioAccountSid: string, twilioAuthToken: string): Errors {
  const errors: Errors = {};
  const parsed = normalizePhoneNumber(phoneNumber);
  if (!parsed.ok) errors.phoneNumber = parsed.message;
  const shape = ConnectPhoneNumberRequestSchema.shape;
  const sid = shape.twilioAccountSid.safeParse(twilioAccountSid.trim());
  if (!sid.success) errors.twilioAccountSid = 'An Account SID starts with AC followed by 32 letters and digits (from the Twilio console).';
  if (!shape.twilioAuthToken.safeParse(twilioAuthToken.trim()).success) {
    errors.twilioAuthToken = 'Paste the Auth Token from the Twilio console (16 to 128 characters).';
  }
  return errors;
}

export function ConnectNumberForm(props: { onConnected: (number: PhoneNumber) => void }) {
  const bridge = useBridge();
  const [phoneNumber, setPhoneNumber] = useState('');
  const [sid, setSid] = useState('');
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const action = useAsyncAction(() =>
    bridge.phoneNumbers.connect({ phoneNumber: phoneNumber.trim(), twilioAccountSid: sid.trim(), twilioAuthToken: token.trim() }),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = check(phoneNumber, sid, token);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const result = await action.run();
    if (result.ok) {
      setPhoneNumber('');
      setSid('');
      setToken('');
      props.onConnected(result.data);
    } else if (result.error.details?.length) {
      setErrors(Object.fromEntries(result.error.details.map((d) => [d.path, d.message])) as Errors);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="Connect a Twilio number">
      <PhoneField
        label="Twilio phone number"
        hint="The number patients call, with the country code."
        value={phoneNumber}
        error={errors.phoneNumber ?? null}
        onChange={setPhoneNumber}
      />
      <div className="field">
        <label className="field__label" htmlFor="twilio-sid">
          Twilio Account SID
        </label>
        <input
          id="twilio-sid"
          className="field__input field__input--mono"
          autoComplete="off"
          spellCheck={false}
          value={sid}
          aria-invalid={errors.twilioAccountSid ? true : undefined}
          aria-describedby={errors.twilioAccountSid ? 'twilio-sid-error' : undefined}
          onChange={(e) => setSid(e.target.value)}
        />
        {errors.twilioAccountSid && (
          <p id="twilio-sid-error" className="field__error">
            {errors.twilioAccountSid}
          </p>
        )}
      </div>
      <div className="field">
        <label className="field__label" htmlFor="twilio-token">
          Twilio Auth Token
        </label>
        <input
          id="twilio-token"
          className="field__input field__input--mono"
          type="password"
          autoComplete="off"
          value={token}
          aria-invalid={errors.twilioAuthToken ? true : undefined}
          aria-describedby={errors.twilioAuthToken ? 'twilio-token-error' : 'twilio-token-hint'}
          onChange={(e) => setToken(e.target.value)}
        />
        <p id="twilio-token-hint" className="field__hint">
          Used once to point the number at the assistant; it is not shown again.
        </p>
        {errors.twilioAuthToken && (
          <p id="twilio-token-error" className="field__error">
            {errors.twilioAuthToken}
          </p>
        )}
      </div>
      {action.error && !action.error.details?.length && (
        <p className="notice notice--error" role="alert">
          The number was not connected. {errorMessage(action.error)}
        </p>
      )}
      <button type="submit" className="button button--primary" disabled={action.pending}>
        {action.pending ? 'Connecting…' : 'Connect number'}
      </button>
    </form>
  );
}
