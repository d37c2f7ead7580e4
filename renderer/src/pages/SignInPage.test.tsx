import { describe, expect, it } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { frontDeskUser } from '../../test/factories';

const signedOut = (reason: string | null = null) => ({ session: { status: 'signed-out' as const, reason } });

describe('Sign in and lock', () => {
  it('shows "Starting…" until the main process reports the session', async () => {
    const fake = new FakeBridge(signedOut());
    const held = fake.hold('session.getState');
    renderConsole({ fake });
    expect(screen.getByText('Starting…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('says the console could not start, with a retry, when the session cannot be read', async () => {
    const fake = new FakeBridge(signedOut());
    fake.fail('session.getState', { code: 'internal', message: 'The background service did not answer.' });
    renderConsole({ fake });
    expect(await screen.findByText('The background service did not answer.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('signs in with the keyboard alone', async () => {
    renderConsole({ world: signedOut() });
    // Focus moves in an effect after the form appears (the session answer comes outside act).
    const email = await screen.findByLabelText('Email');
    await waitFor(() => expect(email).toHaveFocus());
    await userEvent.keyboard(frontDeskUser.email);
    await userEvent.tab();
    expect(screen.getByLabelText('Password')).toHaveFocus();
    await userEvent.keyboard('correct horse battery staple{Enter}');
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
    expect(screen.getByText('Bright Smile Dental')).toBeInTheDocument();
  });

  it('explains a wrong password and selects it for retyping', async () => {
    renderConsole({ world: signedOut() });
    await userEvent.type(await screen.findByLabelText('Email'), frontDeskUser.email);
    await userEvent.type(screen.getByLabelText('Password'), 'wrong{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('That email and password do not match.');
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
    await waitFor(() => expect(screen.getByLabelText('Password')).toHaveFocus());
  });

  it('explains an unreachable server and a locked account in their own words', async () => {
    const fake = new FakeBridge(signedOut());
    fake.fail('session.login', {
      code: 'unavailable',
      message: "Can't reach the Voxanne server. Check this computer's internet connection.",
    });
    fake.fail('session.login', { code: 'rate_limited', message: 'Too many sign-in attempts. Try again in 15 minutes.' });
    renderConsole({ fake });
    await userEvent.type(await screen.findByLabelText('Email'), frontDeskUser.email);
    await userEvent.type(screen.getByLabelText('Password'), 'whatever{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent("Can't reach the Voxanne server.");
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Too many sign-in attempts. Try again in 15 minutes.')).toBeInTheDocument();
  });

  it('asks for missing fields before sending anything', async () => {
    const { fake } = renderConsole({ world: signedOut() });
    await userEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your email address.');
    expect(fake.requestsOn('session.login')).toEqual([]);
  });

  it('shows why the session ended', async () => {
    renderConsole({ world: signedOut('Your session expired. Sign in again.') });
    expect(await screen.findByText('Your session expired. Sign in again.')).toBeInTheDocument();
  });

  it('shows "Signing in…" while the request is on its way', async () => {
    const fake = new FakeBridge(signedOut());
    const held = fake.hold('session.login');
    renderConsole({ fake });
    await userEvent.type(await screen.findByLabelText('Email'), frontDeskUser.email);
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery staple{Enter}');
    expect(screen.getByRole('button', { name: 'Signing in…' })).toBeDisabled();
    held.release();
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
  });

  it('locks on request, hides patient data, and unlocks with the password', async () => {
    const { fake } = renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    await userEvent.click(screen.getByRole('button', { name: 'Lock' }));
    expect(await screen.findByRole('heading', { name: 'Locked' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Dashboard' })).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText('Password')).toHaveFocus());
    await userEvent.keyboard('nope{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('That password is not right.');
    await userEvent.clear(screen.getByLabelText('Password'));
    await userEvent.keyboard(`${fake.world.password}{Enter}`);
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
  });

  it('follows the idle lock pushed by the main process', async () => {
    const { fake } = renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    act(() => fake.push('session.onState', { status: 'locked', user: frontDeskUser }));
    expect(await screen.findByRole('heading', { name: 'Locked' })).toBeInTheDocument();
  });

  it('returns to sign-in and forgets clinic data on sign-out', async () => {
    const { stores } = renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(stores.stats.getState().stats).toBeNull();
  });

  it('has no accessibility violations on the sign-in and lock screens', async () => {
    renderConsole({ world: signedOut('Signed out after 15 minutes without activity.') });
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(await axeViolations()).toEqual([]);
  });

  it('has no accessibility violations on the lock screen', async () => {
    renderConsole({ world: { session: { status: 'locked', user: frontDeskUser } } });
    await screen.findByRole('heading', { name: 'Locked' });
    expect(await axeViolations()).toEqual([]);
  });
});
