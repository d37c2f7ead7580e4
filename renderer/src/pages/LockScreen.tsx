// The idle lock: patient data is hidden until the signed-in person types their password again.
// The live connection keeps running behind it, so nothing is missed while locked.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { FrontDeskUser } from '@voxanne/protocol';
import { useSession, useStores } from '../stores/context';
import { errorMessage } from '../format/errors';

export function LockScreen(props: { user: FrontDeskUser }) {
  const stores = useStores();
  const pending = useSession((s) => s.pending);
  const error = useSession((s) => s.actionError);
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    field.current?.focus();
  }, []);
  useEffect(() => {
    if (error) field.current?.select();
  }, [error]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!password) return setMissing(true);
    setMissing(false);
    void stores.session.getState().unlock(password);
  };

  const problem = missing ? 'Enter your password to unlock.' : error ? errorMessage(error) : null;
  return (
    <main className="auth-screen">
      <div className="auth-card">
        <p className="brand brand--large">
          <span className="brand__mark" aria-hidden="true">
            V
          </span>
          <span className="brand__name">Voxanne Desk</span>
        </p>
        <h1 className="auth-card__title">Locked</h1>
        <p className="auth-card__lead">
          {props.user.name} · {props.user.clinicName}. Calls are still being answered and recorded.
        </p>
        <form className="form" onSubmit={submit} noValidate>
          <div className="field">
            <label className="field__label" htmlFor="unlock-password">
              Password
            </label>
            <input
              ref={field}
              id="unlock-password"
              className="field__input"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? 'unlock-problem' : undefined}
            />
          </div>
          {problem && (
            <p id="unlock-problem" className="notice notice--error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" className="button button--primary button--wide" disabled={pending}>
            {pending ? 'Unlocking…' : 'Unlock'}
          </button>
        </form>
        <button type="button" className="button button--quiet" disabled={pending} onClick={() => void stores.session.getState().logout()}>
          Sign out instead
        </button>
      </div>
    </main>
  );
}
