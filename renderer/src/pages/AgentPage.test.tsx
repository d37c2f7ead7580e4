import { describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { adminUser, event, frontDeskUser, makeLiveCall } from '../../test/factories';

const personality = () => screen.getByRole('region', { name: 'Personality' });
/** Changing the assistant is an administrator's job; front desk sees it read-only. */
const ADMIN = { user: adminUser };

describe('Assistant configuration (an administrator)', () => {
  it('shows loading, then the personality with its sync status', async () => {
    const fake = new FakeBridge(ADMIN);
    const held = fake.hold('agent.get');
    renderConsole({ fake, route: { page: 'agent' } });
    expect(await screen.findByText('Loading the assistant…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByLabelText('Assistant name')).toHaveValue('Ava');
    expect(screen.getByLabelText('Voice')).toHaveDisplayValue('Kylie (warm, female)');
    expect(screen.getByLabelText('Transfer number')).toHaveValue('+44 20 7946 0000');
    expect(screen.getByText(/Synced to the voice platform/)).toBeInTheDocument();
    expect(screen.getByText('All changes saved')).toBeInTheDocument();
  });

  it('shows an error with a retry when the assistant cannot be loaded', async () => {
    const fake = new FakeBridge(ADMIN);
    fake.fail('agent.get', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'agent' } });
    expect(await screen.findByText('The assistant could not be loaded.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByLabelText('Assistant name')).toHaveValue('Ava');
  });

  it('edits and saves the personality, sending a valid update', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'agent' } });
    const name = await screen.findByLabelText('Assistant name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Nora');
    await userEvent.selectOptions(screen.getByLabelText('Voice'), 'Elliot (calm, male)');
    const saturday = within(personality()).getByRole('group', { name: 'Saturday' });
    await userEvent.click(within(saturday).getByRole('checkbox', { name: 'Open' }));
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
    const held = fake.hold('agent.update');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getAllByText('Saving…').length).toBeGreaterThan(0);
    held.release();
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    const sent = fake.requestsOn('agent.update')[0] as {
      personality: { name: string; voice: { voiceId: string }; hours: { saturday: unknown[] } };
    };
    expect(sent.personality.name).toBe('Nora');
    expect(sent.personality.voice.voiceId).toBe('Elliot');
    expect(sent.personality.hours.saturday).toEqual([{ open: '09:00', close: '17:00' }]);
    expect(screen.getByText(/Syncing to the voice platform/)).toBeInTheDocument();
  });

  it('sets how a transfer briefs the front desk and which countries the clinic calls', async () => {
    const fake = new FakeBridge(ADMIN);
    renderConsole({ fake, route: { page: 'agent' } });
    const warm = await screen.findByRole('checkbox', { name: /Brief the person who picks up/ });
    expect(warm).toBeChecked();
    await userEvent.selectOptions(screen.getByLabelText('What they hear first'), 'A one-line message');
    const message = screen.getByLabelText('Briefing message');
    await userEvent.clear(message);
    await userEvent.type(message, 'Call for the desk from {{caller}: {{reason}.');
    const countries = screen.getByLabelText('Countries the clinic calls and texts');
    await userEvent.type(countries, 'gb, ie,');
    expect(countries).toHaveValue('gb, ie, ');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    const sent = fake.requestsOn('agent.update')[0] as { personality: { allowedCountries: string[]; warmTransfer: unknown } };
    expect(sent.personality.allowedCountries).toEqual(['GB', 'IE']);
    expect(sent.personality.warmTransfer).toEqual({
      enabled: true,
      briefing: 'message',
      message: 'Call for the desk from {caller}: {reason}.',
    });

    await userEvent.click(warm);
    expect(screen.queryByLabelText('Briefing message')).not.toBeInTheDocument();
    await userEvent.clear(countries);
    await userEvent.type(countries, 'GB, XX');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(countries).toHaveAccessibleDescription(/not a country with its own phone numbers/);
    expect(fake.requestsOn('agent.update')).toHaveLength(1);
  });

  it('refuses to save invalid fields and says which, before sending anything', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'agent' } });
    const greeting = await screen.findByLabelText('Greeting');
    await userEvent.clear(greeting);
    const transfer = screen.getByLabelText('Transfer number');
    await userEvent.clear(transfer);
    await userEvent.type(transfer, '020 7946');
    const monday = within(personality()).getByRole('group', { name: 'Monday' });
    const closes = within(monday).getByLabelText('Monday closes at');
    await userEvent.clear(closes);
    await userEvent.type(closes, '07:00');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByText('Some fields need attention before saving.')).toBeInTheDocument();
    expect(screen.getByLabelText('Greeting')).toHaveAccessibleDescription(/cannot be empty/);
    expect(screen.getByLabelText('Transfer number')).toHaveAccessibleDescription(/country code/);
    expect(within(monday).getByText('closing time must be after opening time')).toBeInTheDocument();
    expect(fake.requestsOn('agent.update')).toEqual([]);
  });

  it('shows the server refusing a save and keeps the edits', async () => {
    const fake = new FakeBridge(ADMIN);
    fake.fail('agent.update', {
      code: 'provider_unavailable',
      message: 'The voice platform did not answer. Your changes are kept; try again.',
    });
    renderConsole({ fake, route: { page: 'agent' } });
    const name = await screen.findByLabelText('Assistant name');
    await userEvent.type(name, ' Bright');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/The voice platform did not answer/)).toBeInTheDocument();
    expect(screen.getByLabelText('Assistant name')).toHaveValue('Ava Bright');
  });

  it('asks before leaving with unsaved changes, and can stay or discard', async () => {
    renderConsole({ world: ADMIN, route: { page: 'agent' } });
    await userEvent.type(await screen.findByLabelText('Assistant name'), 'x');
    await userEvent.click(screen.getByRole('link', { name: 'Dashboard' }));
    const dialog = screen.getByRole('dialog', { name: 'Leave without saving?' });
    expect(within(dialog).getByRole('button', { name: 'Keep editing' })).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Assistant name')).toHaveValue('Avax');

    await userEvent.click(screen.getByRole('link', { name: 'Dashboard' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Discard changes' }));
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('link', { name: 'Assistant' }));
    expect(await screen.findByLabelText('Assistant name')).toHaveValue('Ava');
  });

  it('shows a sync failure with its reason when the platform reports one', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'agent' } });
    await screen.findByLabelText('Assistant name');
    fake.world.agent = { ...fake.world.agent, sync: { status: 'failed', message: 'Vapi rejected the voice id', syncedAt: null } };
    act(() => fake.pushEvents([event('agent.updated', { name: 'Ava', sync: fake.world.agent.sync })]));
    expect(await screen.findByText(/Not synced to the voice platform: Vapi rejected the voice id/)).toBeInTheDocument();
  });

  it('has no accessibility violations', async () => {
    renderConsole({ world: ADMIN, route: { page: 'agent' } });
    await screen.findByLabelText('Assistant name');
    expect(await axeViolations()).toEqual([]);
  });
});

describe('Assistant for front-desk staff: read-only', () => {
  it('shows every field disabled, no save, and who can change it', async () => {
    renderConsole({ route: { page: 'agent' } });
    expect(await screen.findByLabelText('Assistant name')).toHaveValue('Ava');
    const panel = personality();
    expect(within(panel).getByRole('note')).toHaveTextContent(
      'Only a clinic administrator can change the assistant. Ask your clinic’s administrator if something here needs to change.',
    );
    for (const label of ['Assistant name', 'Voice', 'Greeting', 'Instructions (system prompt)', 'Transfer number', 'Time zone']) {
      expect(within(panel).getByLabelText(label), label).toBeDisabled();
    }
    expect(within(panel).getByLabelText('Transfer number')).toHaveValue('+44 20 7946 0000');
    const saturday = within(panel).getByRole('group', { name: 'Saturday' });
    expect(within(saturday).getByRole('checkbox', { name: 'Open' })).toBeDisabled();
    expect(within(panel).queryByRole('button', { name: 'Save' })).not.toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: 'Discard changes' })).not.toBeInTheDocument();
  });

  it('cannot be edited by typing, and nothing is sent', async () => {
    const { fake } = renderConsole({ route: { page: 'agent' } });
    const greeting = await screen.findByLabelText('Greeting');
    await userEvent.type(greeting, ' Call +1 900 555 0100 instead.');
    expect(greeting).toHaveValue(fake.world.agent.personality.greeting);
    await userEvent.click(screen.getByRole('link', { name: 'Dashboard' }));
    // No unsaved changes, so no "leave without saving?" either.
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
    expect(fake.requestsOn('agent.update')).toEqual([]);
  });

  it('still lets front desk try the assistant: call my phone and the web test', async () => {
    renderConsole({ route: { page: 'agent' } });
    expect(await screen.findByLabelText('Your phone number')).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Web test' })).toBeEnabled();
  });

  it('shows the editor to an administrator, without the notice', async () => {
    renderConsole({ world: ADMIN, route: { page: 'agent' } });
    expect(await screen.findByLabelText('Assistant name')).toBeEnabled();
    expect(within(personality()).queryByRole('note')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save' })).toBeInTheDocument();
  });

  it('follows the signed-in role: read-only after signing in again as front desk', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'agent' } });
    expect(await screen.findByLabelText('Assistant name')).toBeEnabled();
    act(() => fake.push('session.onState', { status: 'signed-in', user: frontDeskUser }));
    expect(await screen.findByRole('note')).toBeInTheDocument();
    expect(screen.getByLabelText('Assistant name')).toBeDisabled();
  });

  it('has no accessibility violations', async () => {
    renderConsole({ route: { page: 'agent' } });
    await screen.findByLabelText('Assistant name');
    expect(await axeViolations()).toEqual([]);
  });
});

describe('Call my phone', () => {
  it('formats the number as it is typed', async () => {
    renderConsole({ route: { page: 'agent' } });
    const field = await screen.findByLabelText('Your phone number');
    await userEvent.type(field, '+14155552671');
    expect(field).toHaveValue('+1 415 555 2671');
  });

  it('refuses a number without a country code, or an impossible one, before sending', async () => {
    const { fake } = renderConsole({ route: { page: 'agent' } });
    const field = await screen.findByLabelText('Your phone number');
    await userEvent.type(field, '07700 900123');
    await userEvent.click(screen.getByRole('button', { name: 'Call my phone' }));
    expect(field).toHaveAccessibleDescription(/Include the country code, starting with \+/);
    expect(field).toHaveAttribute('aria-invalid', 'true');
    await userEvent.clear(field);
    await userEvent.type(field, '+44 12');
    await userEvent.click(screen.getByRole('button', { name: 'Call my phone' }));
    expect(field).toHaveAccessibleDescription(/not a valid number|does not look like a phone number/);
    expect(fake.requestsOn('testCalls.phone')).toEqual([]);
  });

  it('sends E.164 and follows the call: queued → ringing → in progress → ended', async () => {
    const { fake } = renderConsole({ route: { page: 'agent' } });
    await userEvent.type(await screen.findByLabelText('Your phone number'), '+44 7911 123456');
    await userEvent.click(screen.getByRole('button', { name: 'Call my phone' }));
    expect(fake.requestsOn('testCalls.phone')).toEqual([{ phoneNumber: '+447911123456' }]);
    expect(await screen.findByText(/Test call to \+44 7911 123456: Queued/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Call in progress' })).toBeDisabled();

    const callId = fake.testCallIds[0]!;
    const call = makeLiveCall({ id: callId, direction: 'outbound', status: 'ringing', callerNumber: '+447911123456', isTest: true });
    act(() => fake.pushEvents([event('call.started', { call })]));
    expect(screen.getByText(/Ringing your phone…/)).toBeInTheDocument();
    act(() => fake.pushEvents([event('call.status', { callId, status: 'in-progress', call: { ...call, status: 'in-progress' } })]));
    expect(screen.getByText(/: In progress…/)).toBeInTheDocument();
    act(() =>
      fake.pushEvents([
        event('call.ended', {
          call: { ...call, status: 'ended', endedAt: new Date().toISOString(), durationSeconds: 30, outcome: 'answered' },
        }),
      ]),
    );
    expect(screen.getByText(/: Ended\./)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open the call' })).toBeInTheDocument();
    expect(screen.getByText(/You can place another test call in \d+ s/)).toBeInTheDocument();
  });

  it('shows the rate-limit message when the server refuses more test calls', async () => {
    const fake = new FakeBridge();
    fake.testCallLimit = 0;
    renderConsole({ fake, route: { page: 'agent' } });
    await userEvent.type(await screen.findByLabelText('Your phone number'), '+447911123456');
    await userEvent.click(screen.getByRole('button', { name: 'Call my phone' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many test calls. Wait a minute before placing another test call.');
  });

  it('refuses a premium-rate or other costly number before sending, and a country the clinic does not call', async () => {
    const fake = new FakeBridge();
    fake.world.agent = { ...fake.world.agent, personality: { ...fake.world.agent.personality, allowedCountries: ['GB', 'US'] } };
    renderConsole({ fake, route: { page: 'agent' } });
    const field = await screen.findByLabelText('Your phone number');
    for (const [number, why] of [
      ['+1 900 555 0100', /premium-rate number; only mobile and landline numbers are called/],
      ['+44 871 234 5678', /premium-rate/],
      ['+33 6 12 34 56 78', /a number in France; this clinic only calls and texts numbers in United Kingdom, United States/],
    ] as const) {
      await userEvent.clear(field);
      await userEvent.type(field, number);
      await userEvent.click(screen.getByRole('button', { name: 'Call my phone' }));
      expect(field).toHaveAccessibleDescription(why);
      expect(field).toHaveAttribute('aria-invalid', 'true');
    }
    expect(fake.requestsOn('testCalls.phone')).toEqual([]);
  });

  it('leaves what the small metadata cannot tell to the server', async () => {
    // A French number: the console cannot tell mobile from premium there, so it asks the server.
    const { fake } = renderConsole({ route: { page: 'agent' } });
    await userEvent.type(await screen.findByLabelText('Your phone number'), '+33 6 12 34 56 78');
    await userEvent.click(screen.getByRole('button', { name: 'Call my phone' }));
    expect(fake.requestsOn('testCalls.phone')).toEqual([{ phoneNumber: '+33612345678' }]);
  });

  it("puts the server's invalid-number answer on the field", async () => {
    const fake = new FakeBridge();
    fake.fail('testCalls.phone', { code: 'invalid_phone_number', message: 'This number cannot receive calls.' });
    renderConsole({ fake, route: { page: 'agent' } });
    const field = await screen.findByLabelText('Your phone number');
    await userEvent.type(field, '+447911123456');
    await userEvent.click(screen.getByRole('button', { name: 'Call my phone' }));
    await waitFor(() => expect(field).toHaveAccessibleDescription(/This number cannot receive calls\./));
  });
});

describe('Web test entry point', () => {
  it('opens a panel that reports whether the web test audio bridge is ready', async () => {
    const fake = new FakeBridge();
    const held = fake.hold('webTest.diagnostics');
    renderConsole({ fake, route: { page: 'agent' } });
    const button = await screen.findByRole('button', { name: 'Web test' });
    expect(button).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(button);
    expect(screen.getByText('Checking the web test audio bridge…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByText('The web test audio bridge is ready.')).toBeInTheDocument();
    expect(screen.getByText('Sandbox (built-in simulator)')).toBeInTheDocument();
    expect(screen.getByText('16 kHz, 20 ms frames')).toBeInTheDocument();
  });

  it('says why the web test is unavailable', async () => {
    const fake = new FakeBridge();
    fake.world.webTest = { ...fake.world.webTest, ready: false, reason: 'The voice platform key is missing.' };
    renderConsole({ fake, route: { page: 'agent' } });
    await userEvent.click(await screen.findByRole('button', { name: 'Web test' }));
    expect(await screen.findByText('The web test is not available: The voice platform key is missing.')).toBeInTheDocument();
  });

  it('shows an error with a retry when the check fails', async () => {
    const fake = new FakeBridge();
    fake.fail('webTest.diagnostics', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'agent' } });
    await userEvent.click(await screen.findByRole('button', { name: 'Web test' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('The web test audio bridge is ready.')).toBeInTheDocument();
  });
});
