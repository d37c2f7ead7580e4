// `npm run host`: the browser host alone, against VOXANNE_BACKEND_URL. Prints the URL to open.
//
//   VOXANNE_BACKEND_URL  the backend (required)
//   VOXANNE_HOST_PORT    loopback port to serve on (default 0: any free port)
//   VOXANNE_HOST_DATA_DIR  where the host keeps its settings and sign-in (default .data/host)
import path from 'node:path';
import { z } from 'zod';
import { readMainConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { startBrowserHost } from './browser-host.js';

const root = path.resolve(import.meta.dirname, '../..');
// An empty variable (as copied from .env.example) means "use the default".
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);
const HostEnv = z.object({
  VOXANNE_HOST_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65_535).default(0)),
  VOXANNE_HOST_DATA_DIR: z.preprocess(unsetIfEmpty, z.string().min(1).default(path.join(root, '.data/host'))),
});

const config = readMainConfig(process.env);
const hostEnv = HostEnv.safeParse(process.env);
if (!config.ok || !hostEnv.success) {
  const problems = [
    ...(config.ok ? [] : config.problems),
    ...(hostEnv.success ? [] : hostEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
  ];
  process.stderr.write(`voxanne host: configuration problem:\n  ${problems.join('\n  ')}\n`);
  process.exit(2);
}

const logger = createLogger({ level: config.config.logLevel, bindings: { app: 'voxanne-host' } });
const host = await startBrowserHost({
  backendUrl: config.config.backendUrl,
  requestTimeoutMs: config.config.requestTimeoutMs,
  port: hostEnv.data.VOXANNE_HOST_PORT,
  dataDir: hostEnv.data.VOXANNE_HOST_DATA_DIR,
  rendererDir: path.join(root, 'renderer/dist'),
  externalLinkHosts: config.config.externalLinkHosts,
  version: process.env.npm_package_version ?? '0.0.0',
  logger,
});

if (!host.rendererBuilt) process.stdout.write('voxanne host: renderer/dist is missing; run `npm run build -w @voxanne/renderer` first.\n');
// Scripts (scripts/start.mjs, the e2e harness) read this exact line.
process.stdout.write(`voxanne host: open ${host.url}\n`);

const stop = () => {
  void host.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
