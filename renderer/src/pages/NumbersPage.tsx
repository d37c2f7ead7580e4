// The clinic's inbound number: what is connected, whether the assistant answers it,
// connect a Twilio number, disconnect with confirmation, and test it with a real call.
import { useCallback, useEffect, useState } from 'react';
import type { ApiError, PhoneNumber } from '@voxanne/protocol';
import { settle } from '../bridge';
import { useBridge } from '../stores/context';
import { useAsyncAction } from '../hooks/use-async-action';
import { formatPhoneNumber } from '../format/phone';
import { formatDateTime } from '../format/time';
import { errorMessage } from '../format/errors';
import { PageHeader } from '../components/ui/PageHeader';
import { Panel } from '../components/ui/Panel';
import { Dialog } from '../components/ui/Dialog';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { EmptyState, Loading } from '../components/ui/Loading';
import { ConnectNumberForm } from '../components/numbers/ConnectNumberForm';
import { InboundTest } from '../components/numbers/InboundTest';

type ListState = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; items: PhoneNumber[] };

function ConnectedNumber(props: { number: PhoneNumber; onDisconnected: (id: string) => void }) {
  const { number } = props;
  const bridge = useBridge();
  const [asking, setAsking] = useState(false);
  const disconnect = useAsyncAction(() => bridge.phoneNumbers.disconnect({ id: number.id }));
  const shown = formatPhoneNumber(number.number);
  const healthy = number.status === 'active' && number.assistantAttached;
  return (
    <li className="number-card">
      <div className="number-card__head">
        <span className="number-card__number">{shown}</span>
        <span className={`badge ${healthy ? 'badge--ok' : 'badge--problem'}`}>
          <span aria-hidden="true">{healthy ? '✓ ' : '! '}</span>
          {number.status === 'active'
            ? number.assistantAttached
              ? 'Active: the assistant answers'
              : 'Active: assistant not attached'
            : 'Failed'}
        </span>
      </div>
      {number.statusMessage && <p className="number-card__message">{number.statusMessage}</p>}
      <p className="muted">Twilio · connected {formatDateTime(number.connectedAt)}</p>
      <div className="number-card__actions">
        <InboundTest number={number.number} />
        <button
          type="button"
          className="button button--small button--quiet"
          disabled={disconnect.pending}
          aria-label={`Disconnect ${shown}`}
          onClick={() => setAsking(true)}
        >
          {disconnect.pending ? 'Disconnecting…' : 'Disconnect'}
        </button>
      </div>
      {disconnect.error && (
        <p className="notice notice--error" role="alert">
          {errorMessage(disconnect.error)}
        </p>
      )}
      {asking && (
        <Dialog
          title={`Disconnect ${shown}?`}
          onCancel={() => setAsking(false)}
          actions={
            <>
              <button type="button" className="button" onClick={() => setAsking(false)}>
                Keep it connected
              </button>
              <button
                type="button"
                className="button button--danger"
                onClick={() => {
                  setAsking(false);
                  void disconnect.run().then((r) => r.ok && props.onDisconnected(number.id));
                }}
              >
                Disconnect
              </button>
            </>
          }
        >
          <p>Calls to this number will no longer reach the assistant.</p>
        </Dialog>
      )}
    </li>
  );
}

export function NumbersPage() {
  const bridge = useBridge();
  const [state, setState] = useState<ListState>({ status: 'loading' });
  const load = useCallback(async () => {
    setState({ status: 'loading' });
    const result = await settle(bridge.phoneNumbers.list({}));
    setState(result.ok ? { status: 'ready', items: result.data.items } : { status: 'error', error: result.error });
  }, [bridge]);

  useEffect(() => {
    let current = true;
    void settle(bridge.phoneNumbers.list({})).then((result) => {
      if (current) setState(result.ok ? { status: 'ready', items: result.data.items } : { status: 'error', error: result.error });
    });
    return () => {
      current = false;
    };
  }, [bridge]);

  const items = state.status === 'ready' ? state.items : [];
  return (
    <div className="page page--numbers">
      <PageHeader title="Phone number" />
      <p className="page__lead">Connect the clinic's Twilio number so patients who call it reach the assistant.</p>
      <div className="numbers-grid">
        <Panel title="Connected" busy={state.status === 'loading'}>
          {state.status === 'loading' ? (
            <Loading label="Loading numbers…" rows={2} />
          ) : state.status === 'error' ? (
            <ErrorNotice title="The numbers could not be loaded." error={state.error} onRetry={() => void load()} />
          ) : items.length === 0 ? (
            <EmptyState title="No number connected">Until one is, the assistant can still be tried with a test call.</EmptyState>
          ) : (
            <ul className="numbers">
              {items.map((n) => (
                <ConnectedNumber
                  key={n.id}
                  number={n}
                  onDisconnected={(id) => setState({ status: 'ready', items: items.filter((x) => x.id !== id) })}
                />
              ))}
            </ul>
          )}
        </Panel>
        <Panel title="Connect a number">
          <ConnectNumberForm onConnected={(n) => setState({ status: 'ready', items: [n, ...items.filter((x) => x.id !== n.id)] })} />
        </Panel>
      </div>
    </div>
  );
}
