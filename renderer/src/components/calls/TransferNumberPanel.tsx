// Settings → "Taking calls": the signed-in staff member's own number. "Take call" puts callers
// through to it when it is set, otherwise to the clinic's transfer number. Checked here as typed
// (country code, a real number), then again in main and on the server, which stores it as E.164.
import { useEffect, useState, type FormEvent } from 'react';
import { normalizePhoneNumber, type TransferNumberResponse } from '@voxanne/protocol';
import { useBridge } from '../../stores/context';
import { useAsyncAction } from '../../hooks/use-async-action';
import { formatPhoneNumber } from '../../format/phone';
import { Panel } from '../ui/Panel';
import { PhoneField } from '../ui/PhoneField';
import { Loading } from '../ui/Loading';

export function TransferNumberPanel() {
  const bridge = useBridge();
  const [saved, setSaved] = useState<TransferNumberResponse | null>(null);
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = useAsyncAction(() => bridge.callControl.getTransferNumber({}));
  const save = useAsyncAction((transferNumber: string | null) => bridge.callControl.setTransferNumber({ transferNumber }));

  const loadNumber = load.run;
  // Once, when the page opens (`run` is stable).
  useEffect(() => {
    void loadNumber().then((result) => {
      if (!result.ok) return;
      setSaved(result.data);
      setValue(result.data.transferNumber ? formatPhoneNumber(result.data.transferNumber) : '');
    });
  }, [loadNumber]);

  const store = async (transferNumber: string | null) => {
    setDone(null);
    const result = await save.run(transferNumber);
    if (!result.ok) return;
    setSaved(result.data);
    setValue(result.data.transferNumber ? formatPhoneNumber(result.data.transferNumber) : '');
    setDone(
      result.data.transferNumber
        ? `Calls you take now come to ${formatPhoneNumber(result.data.transferNumber)}.`
        : 'Calls you take now go to the clinic’s number.',
    );
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = normalizePhoneNumber(value);
    setProblem(checked.ok ? null : checked.message);
    if (checked.ok) void store(checked.e164);
  };

  return (
    <Panel title="Taking calls">
      {saved === null && !load.error ? (
        <Loading label="Loading your number…" />
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <PhoneField
            label="My number for taking calls"
            hint="“Take call” puts the caller through to this number. Leave it empty to use the clinic’s number."
            value={value}
            onChange={(next) => {
              setValue(next);
              setProblem(null);
            }}
            error={problem ?? save.error?.message ?? null}
            disabled={save.pending}
          />
          <div className="transfer-number__buttons">
            <button type="submit" className="button button--primary" disabled={save.pending || !value.trim()}>
              Save my number
            </button>
            {saved?.transferNumber && (
              <button type="button" className="button" disabled={save.pending} onClick={() => void store(null)}>
                Use the clinic’s number
              </button>
            )}
          </div>
        </form>
      )}
      <p className="form__state" role="status">
        {done ?? ''}
      </p>
      {load.error && (
        <p className="notice notice--error" role="alert">
          Your number could not be loaded. {load.error.message}
        </p>
      )}
    </Panel>
  );
}
