// The backend under bench/listen, in a process of its own (so its CPU time and memory are its own):
// sandbox telephony, embedded PGlite in a temporary DATA_DIR, the demo clinic seeded. Prints one JSON
// line {backendUrl, email, password} when ready. It streams {type:'departures', items:[[seq,
// hrtimeNs], ...]}: the moment each listen frame left the sandbox's platform socket, on the
// machine-wide monotonic clock the driver also uses. Over the IPC channel it answers
// {type:'calls', id, count} (places that many holding calls), {type:'usage', id} with
// process.cpuUsage() and process.memoryUsage(), and {type:'hub', id} with the listen hub's counts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../backend/src/config/config.js';
import { createLogger } from '../backend/src/logging/logger.js';
import { startBackend } from '../backend/src/backend.js';

const PASSWORD = 'bench-password-listen';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bench-listen-'));
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'test',
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  DATABASE_URL: '',
  VAPI_API_KEY: '',
  REDIS_URL: '',
  SEED_DEMO: 'true',
  DEMO_PASSWORD: PASSWORD,
  SANDBOX_INBOUND_CALLS_PER_MINUTE: '0',
  SANDBOX_TIME_SCALE: '20',
  // One staff member holds every bench listener.
  WEB_TEST_SOCKETS_PER_USER: '100',
  CALL_CONTROL_ACTIONS_PER_MINUTE: '1000',
  LOG_LEVEL: 'error',
});
const backend = await startBackend(config, createLogger(config.logLevel));
const sandbox = backend.sandbox!;

let departures: Array<[number, string]> = [];
sandbox.listens.onFrameSent = (_callId, seq) => departures.push([seq, process.hrtime.bigint().toString()]);
const flush = setInterval(() => {
  if (departures.length === 0) return;
  process.send?.({ type: 'departures', items: departures });
  departures = [];
}, 250);

process.on('message', (message: { type?: string; id?: number; count?: number }) => {
  if (message.type === 'calls') {
    for (let i = 0; i < (message.count ?? 1); i++) sandbox.placeInboundCall({ script: 'waits-on-hold' });
    process.send?.({ type: 'calls', id: message.id });
  } else if (message.type === 'usage') {
    process.send?.({ type: 'usage', id: message.id, cpu: process.cpuUsage(), memory: process.memoryUsage() });
  } else if (message.type === 'hub') {
    process.send?.({ type: 'hub', id: message.id, listeners: backend.listenHub.listenerCount, upstreams: backend.listenHub.upstreamCount });
  }
});

const stop = async () => {
  clearInterval(flush);
  // Holding callers are hung up so the backend closes promptly.
  for (const call of sandbox.state.calls.values()) {
    if (call.status !== 'ended' && call.monitor?.controlUrl)
      await backend.telephony.control.endCall(call.monitor.controlUrl).catch(() => undefined);
  }
  await backend.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());

process.stdout.write(`${JSON.stringify({ backendUrl: backend.url, email: 'frontdesk@demo.voxanne.test', password: PASSWORD })}\n`);
