import { describe, expect, it } from 'vitest';
import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { event, makeLiveCall, makePhoneNumber } from '../../test/factories';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';

describe('Inbound number', () => {
  it('shows loading, then what is connected and whether the assistant answers it', async () => {
    const fake = new FakeBridge({
      phoneNumbers: [
        makePhoneNumber({ number: '+442071234567' }),
        makePhoneNumber({
          number: '+14155552671',
          status: 'failed',
          assistantAttached: false,
          statusMessage: 'Twilio rejected the credentials.',
        }),
      ],
    });
    const held = fake.hold('phoneNumbers.list');
    renderConsole({ fake, route: { page: 'numbers' } });
    expect(await screen.findByText('Loading numbers…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByText('+44 20 7123 4567')).toBeInTheDocument();
    expect(screen.getByText('Active: the assistant answers')).toBeInTheDocument();
    expect(screen.getByText('Twilio rejected the credentials.')).toBeInTheDocument();
  });

  it('says when no number is connected', async () => {
    renderConsole({ route: { page: 'numbers' } });
    expect(await screen.findByText('No number connected')).toBeInTheDocument();
  });

  it('shows an error with a retry when the numbers cannot be loaded', async () => {
    const fake = new FakeBridge({ phoneNumbers: [makePhoneNumber()] });
    fake.fail('phoneNumbers.list', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'numbers' } });
    await userEvent.click(await screen.findByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('+44 20 7123 4567')).toBeInTheDocument();
  });

  it('checks the number, SID and token before connecting, then connects', async () => {
    const { fake } = renderConsole({ route: { page: 'numbers' } });
    await screen.findByText('No number connected');
    await userEvent.type(screen.getByLabelText('Twilio phone number'), '2071234567');
    await userEvent.type(screen.getByLabelText('Twilio Account SID'), 'AC123');
    await userEvent.click(screen.getByRole('button', { name: 'Connect number' }));
    expect(screen.getByLabelText('Twilio phone number')).toHaveAccessibleDescription(/country code/);
    expect(screen.getByLabelText('Twilio Account SID')).toHaveAccessibleDescription(/starts with AC/);
    expect(screen.getByLabelText('Twilio Auth Token')).toHaveAccessibleDescription(/Auth Token/);
    expect(fake.requestsOn('phoneNumbers.connect')).toEqual([]);

    await userEvent.clear(screen.getByLabelText('Twilio phone number'));
    await userEvent.type(screen.getByLabelText('Twilio phone number'), '+442071234567');
    await userEvent.clear(screen.getByLabelText('Twilio Account SID'));
    await userEvent.type(screen.getByLabelText('Twilio Account SID'), SID);
    await userEvent.type(screen.getByLabelText('Twilio Auth Token'), TOKEN);
    await userEvent.click(screen.getByRole('button', { name: 'Connect number' }));
    const connected = screen.getByRole('region', { name: 'Connected' });
    expect(await within(connected).findByText('+44 20 7123 4567')).toBeInTheDocument();
    expect(fake.requestsOn('phoneNumbers.connect')).toEqual([
      { phoneNumber: '+442071234567', twilioAccountSid: SID, twilioAuthToken: TOKEN },
    ]);
    expect(screen.getByLabelText('Twilio Auth Token')).toHaveValue('');
  });

  it('shows why the backend refused to connect', async () => {
    const fake = new FakeBridge();
    fake.fail('phoneNumbers.connect', { code: 'provider_auth_failed', message: 'Twilio did not accept that Account SID and Auth Token.' });
    renderConsole({ fake, route: { page: 'numbers' } });
    await screen.findByText('No number connected');
    await userEvent.type(screen.getByLabelText('Twilio phone number'), '+442071234567');
    await userEvent.type(screen.getByLabelText('Twilio Account SID'), SID);
    await userEvent.type(screen.getByLabelText('Twilio Auth Token'), TOKEN);
    await userEvent.click(screen.getByRole('button', { name: 'Connect number' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Twilio did not accept that Account SID and Auth Token.');
  });

  it('disconnects only after confirmation', async () => {
    const { fake } = renderConsole({ world: { phoneNumbers: [makePhoneNumber()] }, route: { page: 'numbers' } });
    await userEvent.click(await screen.findByRole('button', { name: 'Disconnect +44 20 7123 4567' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Disconnect' }));
    expect(await screen.findByText('No number connected')).toBeInTheDocument();
    expect(fake.world.phoneNumbers).toEqual([]);
  });

  it('tests the number by waiting for an inbound call to arrive', async () => {
    const { fake } = renderConsole({ world: { phoneNumbers: [makePhoneNumber()] }, route: { page: 'numbers' } });
    await userEvent.click(await screen.findByRole('button', { name: 'Test it' }));
    expect(screen.getByText(/Waiting for the call/)).toBeInTheDocument();
    const now = new Date().toISOString();
    const call = makeLiveCall({ status: 'ringing', callerNumber: '+447911123456', startedAt: now, createdAt: now });
    act(() => fake.pushEvents([event('call.started', { call })]));
    expect(screen.getByText(/Call from \+44 7911 123456 received \(Ringing\)/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open the call' })).toBeInTheDocument();
  });

  it('has no accessibility violations', async () => {
    renderConsole({ world: { phoneNumbers: [makePhoneNumber()] }, route: { page: 'numbers' } });
    await screen.findByText('+44 20 7123 4567');
    expect(await axeViolations()).toEqual([]);
  });
});
