import { describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../../test/render-console';
import { event, makeLiveCall } from '../../../test/factories';

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
});
