// The assistant's configuration: personality editor with an unsaved-changes guard and the
// sync status, plus the two ways to try the assistant: "Call my phone" and "Web test". Front-desk
// staff see the personality read-only (only an administrator changes it) and try the assistant as usual.
import { useEffect } from 'react';
import { useAgent, useNavigation, useStores } from '../stores/context';
import { PageHeader } from '../components/ui/PageHeader';
import { Panel } from '../components/ui/Panel';
import { Dialog } from '../components/ui/Dialog';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { Loading } from '../components/ui/Loading';
import { PersonalityForm } from '../components/agent/PersonalityForm';
import { SyncStatus } from '../components/agent/SyncStatus';
import { CallMyPhone } from '../components/agent/CallMyPhone';
import { WebTestPanel } from '../components/agent/WebTestPanel';
import { AdminOnlyNotice } from '../components/ui/AdminOnlyNotice';
import { useCanConfigure } from '../hooks/use-can-configure';

function LeaveGuard() {
  const stores = useStores();
  const dirty = useAgent((s) => s.draft !== null);
  const pending = useNavigation((s) => s.pending);

  useEffect(() => {
    stores.navigation.getState().block(dirty);
  }, [dirty, stores]);
  useEffect(() => () => stores.navigation.getState().block(false), [stores]);

  if (!pending) return null;
  return (
    <Dialog
      title="Leave without saving?"
      onCancel={() => stores.navigation.getState().stay()}
      actions={
        <>
          <button type="button" className="button button--primary" onClick={() => stores.navigation.getState().stay()}>
            Keep editing
          </button>
          <button
            type="button"
            className="button button--danger"
            onClick={() => {
              stores.agent.getState().discard();
              stores.navigation.getState().proceed();
            }}
          >
            Discard changes
          </button>
        </>
      }
    >
      <p>Your changes to the assistant have not been saved.</p>
    </Dialog>
  );
}

export function AgentPage() {
  const stores = useStores();
  const agent = useAgent((s) => s.agent);
  const load = useAgent((s) => s.load);
  const changedElsewhere = useAgent((s) => s.changedElsewhere);
  const canChange = useCanConfigure();

  useEffect(() => {
    void stores.agent.getState().loadAgent();
  }, [stores]);

  return (
    <div className="page page--agent">
      <PageHeader title="Assistant">{agent && <SyncStatus sync={agent.sync} />}</PageHeader>
      <div className="agent-grid">
        <Panel title="Personality" busy={load.status === 'loading'}>
          {load.status === 'error' && (
            <ErrorNotice
              title={agent ? 'Could not refresh the assistant.' : 'The assistant could not be loaded.'}
              error={load.error}
              onRetry={() => void stores.agent.getState().loadAgent()}
            />
          )}
          {!canChange && <AdminOnlyNotice what="the assistant" />}
          {changedElsewhere && canChange && (
            <p className="notice notice--warning" role="status">
              Someone saved changes to the assistant while you were editing. Saving will replace them with yours.
            </p>
          )}
          {agent ? (
            <PersonalityForm saved={agent.personality} readOnly={!canChange} />
          ) : (
            load.status !== 'error' && <Loading label="Loading the assistant…" rows={6} />
          )}
        </Panel>
        <Panel title="Try the assistant" className="panel--tools">
          <CallMyPhone />
          <WebTestPanel />
        </Panel>
      </div>
      <LeaveGuard />
    </div>
  );
}
