// The telephony sandbox's control API for integration tests: fetch with the run's key set.
import type { Sandbox } from '../../sandbox/sandbox.js';
import { controlClient } from '../../sandbox/control-file.js';

/** `sandboxControl(backend)('/inbound-calls', { method: 'POST', body })`: a route under /control, keyed. */
export function sandboxControl(backend: { sandbox: Sandbox | undefined }): (route: string, init?: RequestInit) => Promise<Response> {
  const sandbox = backend.sandbox;
  if (!sandbox) throw new Error('this backend runs no telephony sandbox');
  return controlClient({ url: sandbox.controlUrl, key: sandbox.controlKey });
}
