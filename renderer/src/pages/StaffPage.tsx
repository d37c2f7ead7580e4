// The clinic's staff for its administrators: invite someone (their initial password is shown here
// once, to hand over in person), change a role, disable or enable, reset a password and sign someone
// out everywhere. Every change asks first; the backend logs it and keeps one active administrator.
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { ApiError, IpcResult, Role, StaffMember } from '@voxanne/protocol';
import { settle } from '../bridge';
import { useBridge, useSession } from '../stores/context';
import { useAsyncAction } from '../hooks/use-async-action';
import { errorMessage } from '../format/errors';
import { ROLE_LABEL } from '../format/labels';
import { PageHeader } from '../components/ui/PageHeader';
import { Panel } from '../components/ui/Panel';
import { Dialog } from '../components/ui/Dialog';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { Loading } from '../components/ui/Loading';

type ListState = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; items: StaffMember[] };

/** A change waiting for the administrator's yes. */
interface Confirmation {
  title: string;
  body: string;
  confirmLabel: string;
  danger: boolean;
  run: () => Promise<IpcResult<unknown>>;
}

/** What to tell the administrator after a change: a password to hand over, or what happened. */
type Outcome = { kind: 'password'; member: StaffMember; password: string; invited: boolean } | { kind: 'note'; text: string };

function InviteForm(props: { onInvited: (member: StaffMember, password: string | null) => void }) {
  const bridge = useBridge();
  const id = useId();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('front_desk');
  const invite = useAsyncAction(() => bridge.staff.invite({ email: email.trim(), name: name.trim(), role }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await invite.run();
    if (!result.ok) return;
    setEmail('');
    setName('');
    setRole('front_desk');
    props.onInvited(result.data.staff, result.data.initialPassword);
  };
  return (
    <form className="form" aria-label="Invite a staff member" onSubmit={(e) => void submit(e)}>
      <fieldset className="form__fields" disabled={invite.pending}>
        <div className="form__grid">
          <div className="field">
            <label className="field__label" htmlFor={`${id}-email`}>
              Email
            </label>
            <input
              id={`${id}-email`}
              type="email"
              required
              maxLength={254}
              className="field__input"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-name`}>
              Name
            </label>
            <input
              id={`${id}-name`}
              required
              maxLength={200}
              className="field__input"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-role`}>
              Role
            </label>
            <select id={`${id}-role`} className="field__input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="front_desk">{ROLE_LABEL.front_desk}</option>
              <option value="admin">{ROLE_LABEL.admin}</option>
            </select>
          </div>
        </div>
      </fieldset>
      <div className="form__footer">
        <button type="submit" className="button button--primary" disabled={invite.pending}>
          {invite.pending ? 'Inviting…' : 'Invite'}
        </button>
        {invite.error && (
          <p className="notice notice--error" role="alert">
            {errorMessage(invite.error)}
          </p>
        )}
      </div>
    </form>
  );
}

function MemberRow(props: {
  member: StaffMember;
  isMe: boolean;
  ask: (c: Confirmation) => void;
  onUpdated: (m: StaffMember) => void;
  tell: (o: Outcome) => void;
}) {
  const bridge = useBridge();
  const { member, ask } = props;
  const update = (patch: { role?: Role; disabled?: boolean }) => async () => {
    const result = await settle(bridge.staff.update({ id: member.id, patch }));
    if (result.ok) props.onUpdated(result.data);
    return result;
  };
  const other: Role = member.role === 'admin' ? 'front_desk' : 'admin';
  return (
    <tr>
      <td>
        {member.name}
        {props.isMe && <span className="muted"> (you)</span>}
      </td>
      <td>{member.email}</td>
      <td>{ROLE_LABEL[member.role]}</td>
      <td>{member.disabled ? 'Disabled' : 'Active'}</td>
      <td>
        <div className="number-card__actions">
          <button
            type="button"
            className="button button--small"
            aria-label={`Make ${member.name} ${ROLE_LABEL[other].toLowerCase()}`}
            onClick={() =>
              ask({
                title: `Make ${member.name} ${other === 'admin' ? 'an administrator' : 'front desk'}?`,
                body:
                  other === 'admin'
                    ? 'Administrators see the activity log, manage staff and change the clinic’s settings. They are signed out now and sign in again with the new role.'
                    : 'They lose access to the activity log, staff and clinic settings, and are signed out now.',
                confirmLabel: other === 'admin' ? 'Make administrator' : 'Make front desk',
                danger: false,
                run: update({ role: other }),
              })
            }
          >
            {other === 'admin' ? 'Make administrator' : 'Make front desk'}
          </button>
          <button
            type="button"
            className="button button--small"
            aria-label={`${member.disabled ? 'Enable' : 'Disable'} ${member.name}`}
            onClick={() =>
              ask(
                member.disabled
                  ? {
                      title: `Enable ${member.name}?`,
                      body: 'They can sign in again with their password.',
                      confirmLabel: 'Enable',
                      danger: false,
                      run: update({ disabled: false }),
                    }
                  : {
                      title: `Disable ${member.name}?`,
                      body: 'They are signed out everywhere now and cannot sign in until someone enables them.',
                      confirmLabel: 'Disable',
                      danger: true,
                      run: update({ disabled: true }),
                    },
              )
            }
          >
            {member.disabled ? 'Enable' : 'Disable'}
          </button>
          {member.authProvider === 'local' && (
            <button
              type="button"
              className="button button--small"
              aria-label={`Reset ${member.name}’s password`}
              onClick={() =>
                ask({
                  title: `Reset ${member.name}’s password?`,
                  body: 'Their current password stops working and they are signed out everywhere. You will see a new password once, to hand over in person.',
                  confirmLabel: 'Reset password',
                  danger: true,
                  run: async () => {
                    const result = await settle(bridge.staff.resetPassword({ id: member.id }));
                    if (result.ok) props.tell({ kind: 'password', member, password: result.data.initialPassword, invited: false });
                    return result;
                  },
                })
              }
            >
              Reset password
            </button>
          )}
          <button
            type="button"
            className="button button--small"
            aria-label={`Sign ${member.name} out everywhere`}
            onClick={() =>
              ask({
                title: `Sign ${member.name} out everywhere?`,
                body: 'Every console they are signed in to closes its session now. Their password still works.',
                confirmLabel: 'Sign out everywhere',
                danger: true,
                run: async () => {
                  const result = await settle(bridge.staff.signOutEverywhere({ id: member.id }));
                  if (result.ok) {
                    const n = result.data.revokedSessions;
                    props.tell({ kind: 'note', text: `${member.name} was signed out of ${n} ${n === 1 ? 'session' : 'sessions'}.` });
                  }
                  return result;
                },
              })
            }
          >
            Sign out everywhere
          </button>
        </div>
      </td>
    </tr>
  );
}

function ConfirmDialog(props: { confirmation: Confirmation; onDone: () => void }) {
  const { confirmation } = props;
  const action = useAsyncAction(confirmation.run);
  return (
    <Dialog
      title={confirmation.title}
      onCancel={props.onDone}
      actions={
        <>
          <button type="button" className="button" onClick={props.onDone}>
            Cancel
          </button>
          <button
            type="button"
            className={`button ${confirmation.danger ? 'button--danger' : 'button--primary'}`}
            disabled={action.pending}
            onClick={() => void action.run().then((r) => r.ok && props.onDone())}
          >
            {confirmation.confirmLabel}
          </button>
        </>
      }
    >
      <p>{confirmation.body}</p>
      {action.error && (
        <p className="notice notice--error" role="alert">
          {errorMessage(action.error)}
        </p>
      )}
    </Dialog>
  );
}

export function StaffPage() {
  const bridge = useBridge();
  const myId = useSession((s) => (s.session && s.session.status !== 'signed-out' ? s.session.user.id : null));
  const [state, setState] = useState<ListState>({ status: 'loading' });
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const show = (result: IpcResult<{ items: StaffMember[] }>) =>
    setState(result.ok ? { status: 'ready', items: result.data.items } : { status: 'error', error: result.error });
  const retry = async () => {
    setState({ status: 'loading' });
    show(await settle(bridge.staff.list({})));
  };

  useEffect(() => {
    let current = true;
    void settle(bridge.staff.list({})).then((result) => {
      if (current) setState(result.ok ? { status: 'ready', items: result.data.items } : { status: 'error', error: result.error });
    });
    return () => {
      current = false;
    };
  }, [bridge]);

  const items = state.status === 'ready' ? state.items : [];
  const replace = (member: StaffMember) => setState({ status: 'ready', items: items.map((m) => (m.id === member.id ? member : m)) });

  return (
    <div className="page page--staff">
      <PageHeader title="Staff" />
      <p className="page__lead">Who can sign in to this clinic’s consoles, and as what.</p>
      {outcome?.kind === 'note' && (
        <p className="notice notice--info" role="status">
          {outcome.text}
        </p>
      )}
      <Panel title="People" busy={state.status === 'loading'}>
        {state.status === 'loading' ? (
          <Loading label="Loading staff…" rows={3} />
        ) : state.status === 'error' ? (
          <ErrorNotice title="The staff could not be loaded." error={state.error} onRetry={() => void retry()} />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((member) => (
                <MemberRow
                  key={member.id}
                  member={member}
                  isMe={member.id === myId}
                  ask={(c) => {
                    setOutcome(null);
                    setConfirmation(c);
                  }}
                  onUpdated={replace}
                  tell={setOutcome}
                />
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Invite someone">
        <InviteForm
          onInvited={(member, password) => {
            setState({ status: 'ready', items: [...items, member] });
            setOutcome(
              password
                ? { kind: 'password', member, password, invited: true }
                : { kind: 'note', text: `${member.name} can sign in with their Supabase account.` },
            );
          }}
        />
      </Panel>
      {confirmation && <ConfirmDialog confirmation={confirmation} onDone={() => setConfirmation(null)} />}
      {outcome?.kind === 'password' && (
        <Dialog
          title={outcome.invited ? `${outcome.member.name} is invited` : `${outcome.member.name}’s new password`}
          onCancel={() => setOutcome(null)}
          actions={
            <button type="button" className="button button--primary" onClick={() => setOutcome(null)}>
              I have handed it over
            </button>
          }
        >
          <p>Give {outcome.member.email} this password in person. It is shown only now and is not sent by email.</p>
          <p className="facts__mono" aria-label="Initial password">
            {outcome.password}
          </p>
        </Dialog>
      )}
    </div>
  );
}
