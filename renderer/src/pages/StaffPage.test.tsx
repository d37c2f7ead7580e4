import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { adminUser, frontDeskUser, makeStaffMember } from '../../test/factories';

const desk = makeStaffMember({ id: frontDeskUser.id, email: frontDeskUser.email, name: frontDeskUser.name, role: 'front_desk' });

function adminFake(world: ConstructorParameters<typeof FakeBridge>[0] = {}) {
  return new FakeBridge({ user: adminUser, staff: [makeStaffMember(), desk], ...world });
}

const row = (name: string) => screen.getByRole('row', { name: new RegExp(name) });
const dialog = () => screen.getByRole('dialog');

describe('Staff', () => {
  it('shows loading, then everyone with role and status', async () => {
    const fake = adminFake({ staff: [makeStaffMember(), { ...desk, disabled: true }] });
    const held = fake.hold('staff.list');
    renderConsole({ fake, route: { page: 'staff' } });
    expect(await screen.findByText('Loading staff…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByRole('row', { name: /Sam Okafor.*\(you\)/ })).toHaveTextContent('Administrator');
    expect(row('Dana Reyes')).toHaveTextContent('Front desk');
    expect(row('Dana Reyes')).toHaveTextContent('Disabled');
    expect(within(row('Dana Reyes')).getByRole('button', { name: 'Enable Dana Reyes' })).toBeInTheDocument();
  });

  it('invites someone and shows their initial password once', async () => {
    const { fake } = renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    const form = screen.getByRole('form', { name: 'Invite a staff member' });
    await userEvent.type(within(form).getByLabelText('Email'), 'New.Desk@brightsmile.example');
    await userEvent.type(within(form).getByLabelText('Name'), 'Noor Haddad');
    await userEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await screen.findByRole('dialog', { name: 'Noor Haddad is invited' })).toBeInTheDocument();
    expect(within(dialog()).getByLabelText('Initial password')).toHaveTextContent(fake.initialPasswords[0]!);
    expect(fake.requestsOn('staff.invite')).toEqual([{ email: 'New.Desk@brightsmile.example', name: 'Noor Haddad', role: 'front_desk' }]);
    await userEvent.click(within(dialog()).getByRole('button', { name: 'I have handed it over' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByText(fake.initialPasswords[0]!)).not.toBeInTheDocument();
    expect(row('Noor Haddad')).toHaveTextContent('new.desk@brightsmile.example');
    expect(within(form).getByLabelText('Email')).toHaveValue('');
  });

  it('says why an invite was refused', async () => {
    renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    const form = screen.getByRole('form', { name: 'Invite a staff member' });
    await userEvent.type(within(form).getByLabelText('Email'), frontDeskUser.email);
    await userEvent.type(within(form).getByLabelText('Name'), 'Dana again');
    await userEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('already has an account');
  });

  it('changes a role only after confirmation', async () => {
    const { fake } = renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Make Dana Reyes administrator' }));
    expect(dialog()).toHaveAccessibleName('Make Dana Reyes an administrator?');
    await userEvent.click(within(dialog()).getByRole('button', { name: 'Cancel' }));
    expect(fake.requestsOn('staff.update')).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Make Dana Reyes administrator' }));
    await userEvent.click(within(dialog()).getByRole('button', { name: 'Make administrator' }));
    await screen.findByRole('button', { name: 'Make Dana Reyes front desk' });
    expect(row('Dana Reyes')).toHaveTextContent('Administrator');
    expect(fake.requestsOn('staff.update')).toEqual([{ id: frontDeskUser.id, patch: { role: 'admin' } }]);
  });

  it('disables and enables after confirmation', async () => {
    const { fake } = renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Disable Dana Reyes' }));
    await userEvent.click(within(dialog()).getByRole('button', { name: 'Disable' }));
    await screen.findByRole('button', { name: 'Enable Dana Reyes' });
    expect(row('Dana Reyes')).toHaveTextContent('Disabled');
    await userEvent.click(screen.getByRole('button', { name: 'Enable Dana Reyes' }));
    await userEvent.click(within(dialog()).getByRole('button', { name: 'Enable' }));
    await screen.findByRole('button', { name: 'Disable Dana Reyes' });
    expect(fake.requestsOn('staff.update')).toEqual([
      { id: frontDeskUser.id, patch: { disabled: true } },
      { id: frontDeskUser.id, patch: { disabled: false } },
    ]);
  });

  it('keeps the dialog open with the reason when the last administrator tries to disable themselves', async () => {
    renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Disable Sam Okafor' }));
    await userEvent.click(within(dialog()).getByRole('button', { name: 'Disable' }));
    expect(await within(dialog()).findByRole('alert')).toHaveTextContent('at least one active administrator');
    expect(row('Sam Okafor')).toHaveTextContent('Active');
  });

  it('resets a password after confirmation and shows the new one once', async () => {
    const { fake } = renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Reset Dana Reyes’s password' }));
    expect(dialog()).toHaveTextContent('signed out everywhere');
    await userEvent.click(within(dialog()).getByRole('button', { name: 'Reset password' }));
    expect(await screen.findByRole('dialog', { name: 'Dana Reyes’s new password' })).toHaveTextContent(fake.initialPasswords[0]!);
    expect(fake.requestsOn('staff.resetPassword')).toEqual([{ id: frontDeskUser.id }]);
  });

  it('offers no password reset for someone who signs in with Supabase', async () => {
    renderConsole({ fake: adminFake({ staff: [makeStaffMember(), { ...desk, authProvider: 'supabase' }] }), route: { page: 'staff' } });
    await screen.findByRole('table');
    expect(screen.queryByRole('button', { name: 'Reset Dana Reyes’s password' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reset Sam Okafor’s password' })).toBeInTheDocument();
  });

  it('signs someone out everywhere after confirmation and says how many sessions ended', async () => {
    const { fake } = renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Sign Dana Reyes out everywhere' }));
    await userEvent.click(within(dialog()).getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByText('Dana Reyes was signed out of 2 sessions.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(fake.requestsOn('staff.signOutEverywhere')).toEqual([{ id: frontDeskUser.id }]);
  });

  it('shows an error with a retry when the staff cannot be loaded', async () => {
    const fake = adminFake();
    fake.fail('staff.list', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'staff' } });
    await userEvent.click(await screen.findByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table')).toBeInTheDocument();
  });

  it('has no accessibility violations', async () => {
    renderConsole({ fake: adminFake(), route: { page: 'staff' } });
    await screen.findByRole('table');
    expect(await axeViolations()).toEqual([]);
  });
});
