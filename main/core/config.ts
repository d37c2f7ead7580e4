// The main process's configuration, read once from environment variables and validated.
// The Electron shell and the browser host both read it here; nothing else reads process.env.
import { DEFAULT_REQUEST_TIMEOUT_MS } from './api-client.js';
import { z } from 'zod';
import { parseLogLevel, type LogLevel } from './logger.js';

const HostList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9.-]+$/, 'a host name such as docs.example.com')));

/** Host names that never leave this computer: plain http to them cannot be read on the network. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** https, or http to this computer only (a developer's backend, the end-to-end tests). */
const BackendUrl = z.url({ protocol: /^https?$/, error: 'must be a URL such as https://api.clinic.example' }).refine(
  (value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || LOOPBACK_HOSTS.includes(url.hostname.toLowerCase());
  },
  { error: 'must use https:// (plain http:// is allowed only for localhost, 127.0.0.1 and ::1): tokens and patient data travel on it' },
);

/** The update feed decides what code this app runs next: https always, loopback or not. */
const UpdateUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL: the app installs what this feed serves' });

// An empty variable (as copied from .env.example) means "not set".
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const EnvSchema = z.object({
  VOXANNE_BACKEND_URL: BackendUrl,
  VOXANNE_EXTERNAL_LINK_HOSTS: HostList.default([]),
  VOXANNE_UPDATE_URL: z.preprocess(unsetIfEmpty, UpdateUrl.optional()),
  VOXANNE_REQUEST_TIMEOUT_MS: z.preprocess(
    unsetIfEmpty,
    z.coerce.number().int().min(1_000, 'at least 1000 ms').max(300_000, 'at most 300000 ms').default(DEFAULT_REQUEST_TIMEOUT_MS),
  ),
  LOG_LEVEL: z.string().optional(),
});

export interface MainConfig {
  /** The hosted backend, e.g. https://api.clinic.example; REST and WebSockets go there. */
  backendUrl: string;
  /** https hosts `app.openExternal` may open in the user's browser; nothing else is opened. */
  externalLinkHosts: string[];
  /** The generic feed electron-updater polls; null: this build does not update itself. */
  updateUrl: string | null;
  /** How long a REST request to the backend may take before the console says the server is slow. */
  requestTimeoutMs: number;
  logLevel: LogLevel;
}

/** What a packaged app was built with: a double-clicked app has no environment to read. */
export interface BuiltDefaults {
  backendUrl?: string;
  updateUrl?: string;
}

export type ConfigResult = { ok: true; config: MainConfig } | { ok: false; problems: string[] };

/** The environment wins over what the build baked in (VOXANNE_BACKEND_URL, VOXANNE_UPDATE_URL). */
export function readMainConfig(env: NodeJS.ProcessEnv, built: BuiltDefaults = {}): ConfigResult {
  const parsed = EnvSchema.safeParse({
    ...env,
    VOXANNE_BACKEND_URL: env.VOXANNE_BACKEND_URL || built.backendUrl,
    VOXANNE_UPDATE_URL: env.VOXANNE_UPDATE_URL || built.updateUrl,
  });
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`) };
  }
  return {
    ok: true,
    config: {
      backendUrl: parsed.data.VOXANNE_BACKEND_URL.replace(/\/+$/, ''),
      externalLinkHosts: parsed.data.VOXANNE_EXTERNAL_LINK_HOSTS,
      updateUrl: parsed.data.VOXANNE_UPDATE_URL ?? null,
      requestTimeoutMs: parsed.data.VOXANNE_REQUEST_TIMEOUT_MS,
      logLevel: parseLogLevel(parsed.data.LOG_LEVEL),
    },
  };
}
