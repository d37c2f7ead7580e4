import { describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../../test/render-console';
import { event, makeLiveCall } from '../../../test/factories';
import { fakeWebTestEnvironment } from '../../../test/fake-web-test-environment';

describe('Live call controls', () => {
  it('coaches the assistant and makes it say a line from the live call card', async () => {
    const call = makeLiveCall({ patientName: 'Ada Lovelace' });
    const { fake } = renderConsole({ world: { calls: [call] } });
    const card = await screen.findByRole('article', { name: 'Call with Ada Lovelace' });
    const controls = within(card).getByRole('group', { name: 'Live controls for the call with Ada Lovelace' });

    await userEvent.click(within(controls).getByRole('button', { name: 'Coach' }));
    await userEvent.type(within(controls).getByLabelText(/Note for the assistant/), 'Offer Thursday instead');
    await userEvent.click(within(controls).getByRole('button', { name: 'Send note' }));
    expect(await within(controls).findByText('Note sent to the assistant.')).toBeInTheDocument();

    await userEvent.click(within(controls).getByRole('button', { name: 'Say' }));
    await userEvent.type(within(controls).getByLabelText(/What the assistant should say now/), 'One moment please.');
    await userEvent.click(within(controls).getByRole('button', { name: 'Say it' }));
    expect(await within(controls).findByText('The assistant is saying it now.')).toBeInTheDocument();
    expect(fake.callActions.map((a) => [a.action, a.detail])).toEqual([
      ['coach', 'Offer Thursday instead'],
      ['say', 'One moment please.'],
    ]);
    expect(await axeViolations(card)).toEqual([]);
  });

  it('takes the call with T on the focused card, and ends it with E only after confirming', async () => {
    const call = makeLiveCall({ patientName: 'Grace Hopper' });
    const { fake } = renderConsole({ world: { calls: [call] } });
    const card = await screen.findByRole('article', { name: 'Call with Grace Hopper' });
    act(() => card.focus());
    await userEvent.keyboard('t');
    expect(await within(card).findByText('Transferring to +44••••••••99…')).toBeInTheDocument();
    expect(fake.callActions.map((a) => a.action)).toEqual(['transfer']);

    await userEvent.keyboard('e');
    const confirm = within(card).getByRole('alertdialog', { name: 'End the call?' });
    // Nothing happens before the confirmation.
    expect(fake.callActions.map((a) => a.action)).toEqual(['transfer']);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Keep it' }));
    expect(within(card).queryByRole('alertdialog')).not.toBeInTheDocument();
    await userEvent.click(within(card).getByRole('button', { name: 'End the call with Grace Hopper' }));
    await userEvent.click(within(card).getByRole('button', { name: 'End the call' }));
    await waitFor(() => expect(fake.callActions.map((a) => a.action)).toEqual(['transfer', 'end']));
  });

  it('shows a readable refusal, and what another console did on the call', async () => {
    const call = makeLiveCall({ patientName: 'Alan Turing' });
    const { fake } = renderConsole({ world: { calls: [call] } });
    const card = await screen.findByRole('article', { name: 'Call with Alan Turing' });
    fake.fail('callControl.transfer', {
      code: 'conflict',
      message: 'No front-desk number is set: add one on the assistant page to take calls.',
    });
    await userEvent.click(within(card).getByRole('button', { name: 'Take the call with Alan Turing' }));
    expect(await within(card).findByRole('alert')).toHaveTextContent('No front-desk number is set');

    act(() =>
      fake.pushEvents([
        event('call.action', {
          action: {
            id: '00000000-0000-4000-8000-0000000000a1',
            callId: call.id,
            action: 'listen',
            staffId: null,
            staffName: 'Sam',
            detail: null,
            at: new Date().toISOString(),
          },
        }),
      ]),
    );
    expect(await within(card).findByText('Sam is listening')).toBeInTheDocument();
  });

  it('listens from the card: Connecting, Listening with a level, Stop; L toggles it on the focused card', async () => {
    const call = makeLiveCall({ patientName: 'Mary Somerville' });
    const audio = fakeWebTestEnvironment();
    renderConsole({ world: { calls: [call] }, listenEnvironment: () => audio.env });
    const card = await screen.findByRole('article', { name: 'Call with Mary Somerville' });

    await userEvent.click(within(card).getByRole('button', { name: 'Listen to the call with Mary Somerville' }));
    expect(await within(card).findByText('Connecting to the call…')).toBeInTheDocument();
    expect(audio.offers.map((o) => o.offer)).toEqual([expect.objectContaining({ type: 'voxanne:listen-port', callId: call.id })]);
    const worklet = audio.worklets[0]!;
    act(() => worklet.relay({ type: 'listening', callId: call.id }));
    expect(await within(card).findByText('Listening')).toBeInTheDocument();
    expect(within(card).getByRole('meter', { name: 'Audio level, call with Mary Somerville' })).toBeInTheDocument();
    expect(await axeViolations(card)).toEqual([]);

    await userEvent.click(within(card).getByRole('button', { name: 'Stop listening to the call with Mary Somerville' }));
    expect(within(card).queryByText('Listening')).not.toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Listen to the call with Mary Somerville' })).toBeInTheDocument();
    audio.expectReleased();

    // The shortcut, on the focused card: L starts, L again stops.
    act(() => card.focus());
    await userEvent.keyboard('l');
    await waitFor(() => expect(audio.offers).toHaveLength(2));
    act(() => audio.worklets[1]!.relay({ type: 'listening', callId: call.id }));
    expect(await within(card).findByText('Listening')).toBeInTheDocument();
    await userEvent.keyboard('l');
    expect(within(card).getByRole('button', { name: 'Listen to the call with Mary Somerville' })).toBeInTheDocument();
    audio.expectReleased();
  });

  it('shows why listening failed as an alert, and Listen works again after', async () => {
    const call = makeLiveCall({ patientName: 'Emmy Noether' });
    const audio = fakeWebTestEnvironment();
    renderConsole({ world: { calls: [call] }, listenEnvironment: () => audio.env });
    const card = await screen.findByRole('article', { name: 'Call with Emmy Noether' });
    await userEvent.click(within(card).getByRole('button', { name: 'Listen to the call with Emmy Noether' }));
    await waitFor(() => expect(audio.worklets).toHaveLength(1));
    act(() =>
      audio.worklets[0]!.relay({
        type: 'ended',
        reason: 'unavailable',
        message: 'The call’s audio is not available from the voice platform.',
      }),
    );
    expect(await within(card).findByRole('alert')).toHaveTextContent('The call’s audio is not available from the voice platform.');
    expect(within(card).getByRole('button', { name: 'Listen to the call with Emmy Noether' })).toBeEnabled();
  });

  it('gives every control an accessible name and announces its shortcut', async () => {
    const call = makeLiveCall({ patientName: 'Lise Meitner' });
    renderConsole({ world: { calls: [call] } });
    const controls = within(await screen.findByRole('article', { name: 'Call with Lise Meitner' })).getByRole('group', {
      name: 'Live controls for the call with Lise Meitner',
    });
    const buttons = within(controls).getAllByRole('button');
    expect(buttons.map((b) => [b.getAttribute('aria-label') ?? b.textContent, b.getAttribute('aria-keyshortcuts')])).toEqual([
      ['Listen to the call with Lise Meitner', 'L'],
      ['Coach', null],
      ['Say', null],
      ['Take the call with Lise Meitner', 'T'],
      ['End the call with Lise Meitner', 'E'],
    ]);
  });

  it('opens the call from the tray or a notification with Listen or Take call already started', async () => {
    const call = makeLiveCall({ patientName: 'Rosalind Franklin' });
    const audio = fakeWebTestEnvironment();
    const { fake } = renderConsole({ world: { calls: [call] }, listenEnvironment: () => audio.env });
    await screen.findByRole('heading', { name: 'Dashboard' });

    act(() => fake.push('app.onNavigate', { page: 'call', callId: call.id, action: 'listen' }));
    expect(await screen.findByRole('heading', { name: 'Call with Rosalind Franklin' })).toBeInTheDocument();
    await waitFor(() => expect(audio.offers.map((o) => o.offer)).toEqual([expect.objectContaining({ callId: call.id })]));
    expect(await screen.findByText('Connecting to the call…')).toBeInTheDocument();

    act(() => fake.push('app.onNavigate', { page: 'call', callId: call.id, action: 'take' }));
    await waitFor(() => expect(fake.callActions.map((a) => a.action)).toEqual(['transfer']));
    // Each action starts once: nothing more happens on the next render.
    expect(audio.offers).toHaveLength(1);
  });
});
