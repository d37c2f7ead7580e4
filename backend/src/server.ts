// The backend process (`npm run backend`, the container's command): config from the environment,
// one backend instance, graceful shutdown on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './logging/logger.js';
import { startBackend } from './backend.js';
import { StartupRefusal } from './db/data-dir.js';

// Everything this process creates (DATA_DIR, the embedded database's files, secrets) is owner-only.
process.umask(0o077);

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

let config;
try {
  config = loadConfig(process.env, version);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const logger = createLogger(config.logLevel);
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

const backend = await startBackend(config, logger).catch((error: unknown) => {
  if (error instanceof StartupRefusal) {
    // Said like a configuration error: one line on stderr, a sysexits code (75 busy, 78 config).
    process.stderr.write(`${error.message}\n`);
    process.exit(error.exitCode);
  }
  logger.fatal({ err: error }, 'backend failed to start');
  process.exit(1);
});
logger.info({ url: backend.url, telephony: config.telephony.mode, version }, 'backend listening');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    backend.close().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
