// Sign in (credentials go to the main process, tokens never come back). Errors are spelled
// out: wrong password, server unreachable, too many attempts, account locked.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSession, useSettings, useStores } from '../stores/context';
import { errorMessage } from '../format/errors';

export function SignInPage() {
  const stores = useStores();
  const session = useSession((s) => s.session);
  const pending = useSession((s) => s.pending);
  const error = useSession((s) => s.actionError);
  const tokenWarning = useSettings((s) => s.appInfo?.tokenStorage.warning ?? null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const emailField = useRef<HTMLInputElement>(null);
  const passwordField = useRef<HTMLInputElement>(null);
  const reason = session?.status === 'signed-out' ? session.reason : null;

  useEffect(() => {
    emailField.current?.focus();
  }, []);

  useEffect(() => {
    // After a wrong password, the next thing to do is type it again.
    if (error?.code === 'invalid_credentials') passwordField.current?.select();
  }, [error]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) return setMissing('Enter your email address.');
    if (!password) return setMissing('Enter your password.');
    setMissing(null);
    void stores.session.getState().login(email.trim(), password);
  };

  const problem = missing ?? (error ? errorMessage(error) : null);
  return (
    <main className="auth-screen">
      <div className="auth-card">
        <p className="brand brand--large">
          <span className="brand__mark" aria-hidden="true">
            V
          </span>
          <span className="brand__name">Voxanne Desk</span>
        </p>
        <h1 className="auth-card__title">Sign in</h1>
        {reason && (
          <p className="notice notice--info" role="status">
            {reason}
          </p>
        )}
        <form className="form" onSubmit={submit} noValidate aria-describedby={problem ? 'signin-problem' : undefined}>
          <div className="field">
            <label className="field__label" htmlFor="signin-email">
              Email
            </label>
            <input
              ref={emailField}
              id="signin-email"
              className="field__input"
              type="email"
              autoComplete="username"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-invalid={missing?.includes('email') || undefined}
              required
            />
          </div>
          <div className="field">
            <label className="field__label" htmlFor="signin-password">
              Password
            </label>
            <input
              ref={passwordField}
              id="signin-password"
              className="field__input"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={error?.code === 'invalid_credentials' || missing?.includes('password') || undefined}
              required
            />
          </div>
          {problem && (
            <p id="signin-problem" className="notice notice--error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" className="button button--primary button--wide" disabled={pending}>
            {pending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        {tokenWarning && <p className="auth-card__note">{tokenWarning}</p>}
      </div>
    </main>
  );
}
