import { describe, expect, it } from 'vitest';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeWebTestEnvironment, goLive } from '../../test/fake-web-test-environment';
import { Messages } from './web-test-call';
import { WebTestConsole } from './WebTestConsole';

describe('Web test panel', () => {
  it('starts from the keyboard, shows progress, both sides of the conversation, and the controls', async () => {
    const fake = fakeWebTestEnvironment();
    const user = userEvent.setup();
    render(<WebTestConsole environment={() => fake.env} />);
    expect(screen.getByLabelText('Microphone')).toHaveValue('');
    expect(screen.getByLabelText(/Clean up my voice/)).toBeChecked();

    await user.tab();
    await user.tab();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Start web test' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('status')).toHaveTextContent(Messages.connecting);

    const worklet = fake.worklets[0]!;
    act(() => {
      goLive(worklet);
      worklet.relay({ type: 'transcript', speaker: 'assistant', transcriptType: 'final', text: 'Hello, you’re through to the clinic.' });
      worklet.relay({ type: 'transcript', speaker: 'caller', transcriptType: 'final', text: '[speech, 1.2 s]' });
    });
    expect(screen.getByRole('status')).toHaveTextContent(Messages.live);
    const log = screen.getByRole('log', { name: 'Web test transcript' });
    expect(log).toHaveTextContent('AssistantHello, you’re through to the clinic.');
    expect(log).toHaveTextContent('You[speech, 1.2 s]');
    expect(screen.getByText('Time left: 10:00')).toBeInTheDocument();
    expect(screen.getByLabelText('Your microphone')).toHaveAttribute('min', '-60');
    expect(screen.getByLabelText('Assistant')).toHaveAttribute('max', '0');

    await user.click(screen.getByRole('button', { name: 'Mute' }));
    expect(screen.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');

    await user.click(screen.getByRole('button', { name: 'End test' }));
    expect(screen.getByRole('status')).toHaveTextContent('The web test ended.');
    expect(screen.getByRole('button', { name: 'Start a new web test' })).toBeInTheDocument();
    // The conversation stays readable after the call.
    expect(screen.getByRole('log')).toHaveTextContent('[speech, 1.2 s]');
    fake.expectReleased();
  });

  it('explains a denied microphone in an alert', async () => {
    const fake = fakeWebTestEnvironment({ getUserMedia: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) });
    render(<WebTestConsole environment={() => fake.env} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Start web test' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(Messages.microphoneDenied);
  });

  it('releases the microphone and audio when the panel goes away mid-call', async () => {
    const fake = fakeWebTestEnvironment();
    const view = render(<WebTestConsole environment={() => fake.env} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Start web test' }));
    await screen.findByRole('status');
    act(() => goLive(fake.worklets[0]!));
    view.unmount();
    expect(fake.commands()).toContainEqual({ type: 'control', message: { type: 'end' } });
    fake.expectReleased();
  });
});
