// The clinic's documents the assistant answers from: upload, list with processing
// status, delete with confirmation. While any document is still processing the list refreshes
// itself every few seconds. Front-desk staff see the list only (an administrator adds and deletes).
import { useCallback, useEffect, useState } from 'react';
import type { ApiError, KnowledgeDocument } from '@voxanne/protocol';
import { settle } from '../bridge';
import { useBridge } from '../stores/context';
import { useAsyncAction } from '../hooks/use-async-action';
import { useKnowledgeUploads } from '../hooks/use-knowledge-uploads';
import { formatBytes } from '../format/size';
import { formatDateTime } from '../format/time';
import { errorMessage } from '../format/errors';
import { PageHeader } from '../components/ui/PageHeader';
import { Panel } from '../components/ui/Panel';
import { Dialog } from '../components/ui/Dialog';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { EmptyState, Loading } from '../components/ui/Loading';
import { UploadArea } from '../components/knowledge/UploadArea';
import { AdminOnlyNotice } from '../components/ui/AdminOnlyNotice';
import { useCanConfigure } from '../hooks/use-can-configure';

export const PROCESSING_POLL_MS = 3000;

const TYPE_LABEL: Record<KnowledgeDocument['mimeType'], string> = {
  'text/plain': 'Text',
  'text/markdown': 'Markdown',
  'application/pdf': 'PDF',
};
const STATUS: Record<KnowledgeDocument['status'], { mark: string; word: string }> = {
  processing: { mark: '…', word: 'Processing' },
  ready: { mark: '✓', word: 'Ready' },
  failed: { mark: '!', word: 'Failed' },
};

type ListState = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; items: KnowledgeDocument[] };

function useKnowledgeList() {
  const bridge = useBridge();
  const [state, setState] = useState<ListState>({ status: 'loading' });
  const [refreshError, setRefreshError] = useState<ApiError | null>(null);
  const fetchList = useCallback(async () => {
    const result = await settle(bridge.knowledge.list({}));
    return result;
  }, [bridge]);

  const load = useCallback(async () => {
    setState({ status: 'loading' });
    const result = await fetchList();
    setState(result.ok ? { status: 'ready', items: result.data.items } : { status: 'error', error: result.error });
  }, [fetchList]);

  useEffect(() => {
    let current = true;
    void fetchList().then((result) => {
      if (current) setState(result.ok ? { status: 'ready', items: result.data.items } : { status: 'error', error: result.error });
    });
    return () => {
      current = false;
    };
  }, [fetchList]);

  const processing = state.status === 'ready' && state.items.some((d) => d.status === 'processing');
  useEffect(() => {
    if (!processing) return;
    let current = true;
    const timer = setInterval(() => {
      void fetchList().then((result) => {
        if (!current) return;
        if (result.ok) {
          setRefreshError(null);
          setState({ status: 'ready', items: result.data.items });
        } else setRefreshError(result.error);
      });
    }, PROCESSING_POLL_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [processing, fetchList]);

  const upsert = useCallback((document: KnowledgeDocument) => {
    setState((s) => (s.status === 'ready' ? { status: 'ready', items: [document, ...s.items.filter((d) => d.id !== document.id)] } : s));
  }, []);
  const remove = useCallback((id: string) => {
    setState((s) => (s.status === 'ready' ? { status: 'ready', items: s.items.filter((d) => d.id !== id) } : s));
  }, []);
  return { state, refreshError, load, upsert, remove };
}

function DeleteDocument(props: { document: KnowledgeDocument; onDeleted: (id: string) => void }) {
  const bridge = useBridge();
  const [asking, setAsking] = useState(false);
  const action = useAsyncAction(() => bridge.knowledge.delete({ id: props.document.id }));
  return (
    <>
      <button
        type="button"
        className="button button--small button--quiet"
        disabled={action.pending}
        aria-label={`Delete ${props.document.filename}`}
        onClick={() => setAsking(true)}
      >
        {action.pending ? 'Deleting…' : 'Delete'}
      </button>
      {action.error && (
        <p className="field__error" role="alert">
          {errorMessage(action.error)}
        </p>
      )}
      {asking && (
        <Dialog
          title={`Delete ${props.document.filename}?`}
          onCancel={() => setAsking(false)}
          actions={
            <>
              <button type="button" className="button" onClick={() => setAsking(false)}>
                Keep it
              </button>
              <button
                type="button"
                className="button button--danger"
                onClick={() => {
                  setAsking(false);
                  void action.run().then((result) => {
                    if (result.ok) props.onDeleted(props.document.id);
                  });
                }}
              >
                Delete document
              </button>
            </>
          }
        >
          <p>The assistant will stop answering from this document. This cannot be undone.</p>
        </Dialog>
      )}
    </>
  );
}

export function KnowledgePage() {
  const list = useKnowledgeList();
  const uploads = useKnowledgeUploads(list.upsert);
  const canChange = useCanConfigure();
  const { state } = list;
  return (
    <div className="page page--knowledge">
      <PageHeader title="Knowledge base" />
      <p className="page__lead">Documents the assistant uses to answer callers' questions.</p>
      {canChange ? (
        <Panel title="Add documents">
          <UploadArea uploads={uploads.uploads} onFiles={uploads.add} onClear={uploads.clearFinished} />
        </Panel>
      ) : (
        <AdminOnlyNotice what="the knowledge base" />
      )}
      <Panel title="Documents" busy={state.status === 'loading'}>
        {list.refreshError && <ErrorNotice title="The list could not be refreshed." error={list.refreshError} />}
        {state.status === 'loading' ? (
          <Loading label="Loading documents…" rows={3} />
        ) : state.status === 'error' ? (
          <ErrorNotice title="The documents could not be loaded." error={state.error} onRetry={() => void list.load()} />
        ) : state.items.length === 0 ? (
          <EmptyState title="No documents yet">
            {canChange
              ? 'Add your price list, opening hours or FAQs so the assistant can answer from them.'
              : 'When an administrator adds documents (price list, opening hours, FAQs), the assistant answers from them.'}
          </EmptyState>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Document</th>
                <th scope="col">Type</th>
                <th scope="col">Size</th>
                <th scope="col">Added</th>
                <th scope="col">Status</th>
                {canChange && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {state.items.map((doc) => (
                <tr key={doc.id}>
                  <td className="cell--strong">{doc.filename}</td>
                  <td>{TYPE_LABEL[doc.mimeType]}</td>
                  <td className="numeric">{formatBytes(doc.sizeBytes)}</td>
                  <td>{formatDateTime(doc.createdAt)}</td>
                  <td>
                    <span className={`badge badge--doc-${doc.status}`}>
                      <span aria-hidden="true">{STATUS[doc.status].mark} </span>
                      {STATUS[doc.status].word}
                    </span>
                    {doc.statusMessage && <span className="cell__note">{doc.statusMessage}</span>}
                  </td>
                  {canChange && (
                    <td>
                      <DeleteDocument document={doc} onDeleted={list.remove} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}
