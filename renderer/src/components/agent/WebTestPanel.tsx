// "Web test" entry point: opens the panel where the front desk talks to the assistant
// through this PC's microphone. It reports whether the backend's web-test audio bridge is ready
// (`webTest.diagnostics`), then hands over to the call itself (web-test/WebTestConsole).
import { useEffect, useId, useState } from 'react';
import type { WebTestDiagnostics } from '@voxanne/protocol';
import { useBridge } from '../../stores/context';
import { useAsyncAction } from '../../hooks/use-async-action';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Loading } from '../ui/Loading';
import { WebTestConsole } from '../../web-test/WebTestConsole';

function Readiness(props: { diagnostics: WebTestDiagnostics }) {
  const d = props.diagnostics;
  return (
    <div className="webtest__readiness">
      <p className={`sync ${d.ready ? 'sync--synced' : 'sync--failed'}`} role="status">
        <span className="sync__mark" aria-hidden="true">
          {d.ready ? '✓' : '!'}
        </span>
        {d.ready ? 'The web test audio bridge is ready.' : `The web test is not available: ${d.reason ?? 'the audio bridge is not ready.'}`}
      </p>
      <dl className="facts facts--compact">
        <div>
          <dt>Mode</dt>
          <dd>{d.mode === 'sandbox' ? 'Sandbox (built-in simulator)' : 'Voice platform'}</dd>
        </div>
        <div>
          <dt>Audio</dt>
          <dd>
            {d.audioFormat.sampleRate / 1000} kHz, {d.audioFormat.frameMs} ms frames
          </dd>
        </div>
        <div>
          <dt>Sessions now</dt>
          <dd>{d.activeSessions}</dd>
        </div>
        <div>
          <dt>Longest session</dt>
          <dd>{Math.round(d.maxSessionSeconds / 60)} min</dd>
        </div>
      </dl>
    </div>
  );
}

export function WebTestPanel() {
  const bridge = useBridge();
  const panelId = useId();
  const [open, setOpen] = useState(false);
  const [diagnostics, setDiagnostics] = useState<WebTestDiagnostics | null>(null);
  const check = useAsyncAction(() => bridge.webTest.diagnostics({}));
  const { run } = check;

  useEffect(() => {
    if (!open) return;
    let current = true;
    void run().then((result) => {
      if (current && result.ok) setDiagnostics(result.data);
    });
    return () => {
      current = false;
    };
  }, [open, run]);

  return (
    <section className="tool" aria-labelledby={`${panelId}-title`}>
      <h3 id={`${panelId}-title`} className="tool__title">
        Web test
      </h3>
      <p className="tool__lead">Talk to the assistant through this computer's microphone and speakers.</p>
      <button type="button" className="button" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        {open ? 'Close web test' : 'Web test'}
      </button>
      {open && (
        <div id={panelId} className="webtest" aria-busy={check.pending || undefined}>
          {check.pending && !diagnostics ? (
            <Loading label="Checking the web test audio bridge…" />
          ) : check.error ? (
            <ErrorNotice
              title="Could not check the web test."
              error={check.error}
              onRetry={() => void run().then((r) => r.ok && setDiagnostics(r.data))}
            />
          ) : (
            diagnostics && (
              <>
                <Readiness diagnostics={diagnostics} />
                {diagnostics.ready && <WebTestConsole />}
              </>
            )
          )}
        </div>
      )}
    </section>
  );
}
