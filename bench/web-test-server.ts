// The backend under bench/webtest, in a process of its own (so its memory is its own): sandbox
// telephony, embedded PGlite in a temporary DATA_DIR, the demo clinic seeded. Prints one JSON line
// {backendUrl, email, password} when ready. Over the IPC channel it answers {type:'memory', id, gc?}
// with process.memoryUsage() (after a full GC when asked), and {type:'bridge', id} with the web-test
// bridge's audio counters. It streams {type:'arrivals', items:[[seq, hrtimeNs], ...]}: the moment
// each microphone frame reached the provider socket (the sandbox's vapi.websocket transport), on the
// machine-wide monotonic clock the driver also uses. A frame's sequence number rides in its first
// three samples, one byte each (values 0…255: far below the speech threshold, so silence stays silent).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../backend/src/config/config.js';
import { createLogger } from '../backend/src/logging/logger.js';
import { startBackend } from '../backend/src/backend.js';

const PASSWORD = 'bench-password-webtest';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bench-webtest-'));
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
  LOG_LEVEL: 'error',
});
const backend = await startBackend(config, createLogger(config.logLevel));
const sandbox = backend.sandbox!;

let arrivals: Array<[number, string]> = [];
sandbox.voice.onFrame((_callId, frame) => {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.byteLength >= 6)
    arrivals.push([
      view.getInt16(0, true) | (view.getInt16(2, true) << 8) | (view.getInt16(4, true) << 16),
      process.hrtime.bigint().toString(),
    ]);
});
const flush = setInterval(() => {
  if (arrivals.length === 0) return;
  process.send?.({ type: 'arrivals', items: arrivals });
  arrivals = [];
}, 250);

process.on('message', (message: { type?: string; id?: number; gc?: boolean }) => {
  if (message.type === 'memory') {
    if (message.gc) (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ type: 'memory', id: message.id, usage: process.memoryUsage() });
  } else if (message.type === 'bridge') {
    process.send?.({ type: 'bridge', id: message.id, counters: backend.webTest.audioCounters() });
  }
});

const stop = async () => {
  clearInterval(flush);
  await backend.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());

process.stdout.write(`${JSON.stringify({ backendUrl: backend.url, email: 'frontdesk@demo.voxanne.test', password: PASSWORD })}\n`);
