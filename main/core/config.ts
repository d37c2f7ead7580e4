// The main process's configuration, read once from environment variables and validated.
// The Electron shell and the browser host both read it here; nothing else reads process.env.
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

const EnvSchema = z.object({
  VOXANNE_BACKEND_URL: z.url({ protocol: /^https?$/ }),
  VOXANNE_EXTERNAL_LINK_HOSTS: HostList.default([]),
  LOG_LEVEL: z.string().optional(),
});

export interface MainConfig {
  /** The hosted backend, e.g. https://api.clinic.example; REST and WebSockets go there. */
  backendUrl: string;
  /** https hosts `app.openExternal` may open in the user's browser; nothing else is opened. */
  externalLinkHosts: string[];
  logLevel: LogLevel;
}

export type ConfigResult = { ok: true; config: MainConfig } | { ok: false; problems: string[] };

/**
 * `fallbackBackendUrl` is what a packaged app was built with (the build bakes VOXANNE_BACKEND_URL in,
 * because a double-clicked app has no environment to read it from).
 */
export function readMainConfig(env: NodeJS.ProcessEnv, fallbackBackendUrl?: string): ConfigResult {
  const parsed = EnvSchema.safeParse({ ...env, VOXANNE_BACKEND_URL: env.VOXANNE_BACKEND_URL || fallbackBackendUrl });
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`) };
  }
  return {
    ok: true,
    config: {
      backendUrl: parsed.data.VOXANNE_BACKEND_URL.replace(/\/+$/, ''),
      externalLinkHosts: parsed.data.VOXANNE_EXTERNAL_LINK_HOSTS,
      logLevel: parseLogLevel(parsed.data.LOG_LEVEL),
    },
  };
}
