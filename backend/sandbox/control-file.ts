// Where a running sandbox's control API is and the key it wants: `DATA_DIR/sandbox-control.json`,
// owner-only, written when the sandbox starts and removed when it stops. `npm run sim`, the
// end-to-end harness and anyone at the terminal read it here; /health no longer tells the world.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Every /control request carries the run's key in this header (a web page cannot add it). */
export const SANDBOX_KEY_HEADER = 'x-voxanne-sandbox-key';
export const SANDBOX_CONTROL_FILE = 'sandbox-control.json';

export interface SandboxControl {
  /** e.g. http://127.0.0.1:41234/control */
  url: string;
  key: string;
}

export function writeSandboxControl(dataDir: string, control: SandboxControl): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SANDBOX_CONTROL_FILE);
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(partial, `${JSON.stringify({ ...control, pid: process.pid })}\n`, { mode: 0o600 });
  fs.renameSync(partial, file);
}

/** Removes the file if it is still this run's (a newer run on the same DATA_DIR keeps its own). */
export function removeSandboxControl(dataDir: string, key: string): void {
  const file = path.join(dataDir, SANDBOX_CONTROL_FILE);
  try {
    if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: string }).key === key) fs.rmSync(file);
  } catch {
    // already gone or not ours to judge
  }
}

/** The running sandbox of the backend using `dataDir`, or a sentence saying why there is none. */
export function readSandboxControl(dataDir: string): SandboxControl {
  const file = path.join(dataDir, SANDBOX_CONTROL_FILE);
  let parsed: Partial<SandboxControl>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SandboxControl>;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `no telephony sandbox is running on ${dataDir} (${SANDBOX_CONTROL_FILE} is missing: is the backend running there, without VAPI_API_KEY?)`
        : `${file} cannot be read: ${(error as Error).message}`,
    );
  }
  if (typeof parsed.url !== 'string' || typeof parsed.key !== 'string') throw new Error(`${file} is not a sandbox control file`);
  return { url: parsed.url, key: parsed.key };
}

/** fetch against the control API with the key set: `control('/inbound-calls', {method: 'POST', body})`. */
export function controlClient(control: SandboxControl) {
  return (route: string, init: RequestInit = {}) =>
    fetch(`${control.url}${route}`, {
      ...init,
      headers: {
        ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
        [SANDBOX_KEY_HEADER]: control.key,
      },
    });
}
