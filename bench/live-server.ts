// Child process of bench/live.ts and bench/work-queue.ts: one real backend instance (configured from the environment exactly
// as `npm run backend` is) plus a small control server on its own port for the bench:
//   POST /setup            clinics with one front-desk login each (password returned) and an assistant
//                          id each, so the real POST /webhooks/vapi resolves their calls
//   POST /work-items       {clinicIds, perClinic}: open work items per clinic (bench/work-queue.ts)
//   POST /event            the bench's own event route: one transaction through transactionWithEvents
//                          (--via bench-route; the default drives the real webhook path instead)
//   POST /prepare-burst    writes N events into the log without publishing them (throughput test)
//   POST /burst            publishes the prepared events through the bus as fast as it takes them
//   GET  /stats            RSS, heap and hub counts of this process
// It prints one JSON line {"backendUrl","controlUrl"} on stdout when ready.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LiveEvent } from '@voxanne/protocol';
import { loadConfig } from '../backend/src/config/config.js';
import { createLogger } from '../backend/src/logging/logger.js';
import { startBackend } from '../backend/src/backend.js';
import { createClinic, createStaff } from '../backend/src/clinics/clinic-queries.js';
import { hashPassword } from '../backend/src/auth/passwords.js';
import { getAgent } from '../backend/src/agent/agent-service.js';
import { recordEvents, transactionWithEvents } from '../backend/src/live/event-log.js';
import { raiseWorkItem } from '../backend/src/work-queue/work-items.js';

const BENCH_PASSWORD = 'bench-password-0123456789';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
// Hundreds of consoles sign in before the measurement: at production's scrypt cost (a few hundred
// ms of CPU each) that alone would take minutes, and sign-in is not what this bench measures
// (bench/backend.ts does). Its accounts are hashed, and checked, at a test-grade cost.
const SIGN_IN_COST = { N: 2 ** 10, r: 8, p: 1 };
const backend = await startBackend(config, logger, { passwordCost: SIGN_IN_COST });
let prepared: LiveEvent[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
}

const transcript = (clinicId: string, marker: string) =>
  ({
    kind: 'call.transcript',
    data: { callId: clinicId, speaker: 'caller', transcriptType: 'partial', text: marker, segmentId: null },
  }) as const;

const control = http.createServer((req, res) => {
  const reply = (status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const route = `${req.method} ${req.url}`;
  void (async () => {
    if (route === 'POST /event') {
      const { clinicId, marker } = (await readJson(req)) as { clinicId: string; marker: string };
      await transactionWithEvents(backend.database.db, backend.bus, async (_tx, events) =>
        events.emit(clinicId, transcript(clinicId, marker)),
      );
      return reply(204);
    }
    if (route === 'POST /setup') {
      const { clinics } = (await readJson(req)) as { clinics: number };
      const passwordHash = await hashPassword(BENCH_PASSWORD, SIGN_IN_COST);
      const created: Array<{ clinicId: string; email: string; password: string; assistantId: string }> = [];
      for (let i = 0; i < clinics; i++) {
        const clinic = await createClinic(backend.database.db, { name: `Bench clinic ${i + 1}`, timeZone: 'Europe/London' });
        const email = `bench-${i + 1}-${clinic.id.slice(0, 8)}@bench.test`;
        await createStaff(backend.database.db, { clinicId: clinic.id, email, name: 'Bench Desk', role: 'front_desk', passwordHash });
        // The clinic's assistant on the voice platform: webhooks name it, the backend resolves the clinic.
        await getAgent(backend.database.db, clinic.id);
        const assistantId = `bench-assistant-${clinic.id}`;
        await backend.database.db
          .updateTable('agents')
          .set({ provider_assistant_id: assistantId, sync_status: 'synced' })
          .where('clinic_id', '=', clinic.id)
          .execute();
        created.push({ clinicId: clinic.id, email, password: BENCH_PASSWORD, assistantId });
      }
      return reply(200, { clinics: created });
    }
    if (route === 'POST /work-items') {
      const { clinicIds, perClinic } = (await readJson(req)) as { clinicIds: string[]; perClinic: number };
      const items: Record<string, string[]> = {};
      for (const clinicId of clinicIds) {
        items[clinicId] = [];
        for (let i = 0; i < perClinic; i++) {
          const row = await transactionWithEvents(backend.database.db, backend.bus, (tx, events) =>
            raiseWorkItem(tx, events, { clinicId, causeKey: `bench:${i}`, kind: 'callback_requested', title: `Bench follow-up ${i + 1}` }),
          );
          items[clinicId].push(row!.id);
        }
      }
      return reply(200, { items });
    }
    if (route === 'POST /prepare-burst') {
      const { clinicIds, events } = (await readJson(req)) as { clinicIds: string[]; events: number };
      prepared = [];
      // In the log, so the hub could fill any hole from it, but not yet published.
      const perClinic = Math.ceil(events / clinicIds.length);
      for (const clinicId of clinicIds) {
        await backend.database.db.transaction().execute(async (tx) => {
          const batch = Array.from({ length: perClinic }, (_, i) => transcript(clinicId, `burst:${i}`));
          prepared.push(...(await recordEvents(tx, clinicId, batch)));
        });
      }
      // Interleave clinics as live traffic would.
      prepared.sort((a, b) => a.seq - b.seq || a.clinicId.localeCompare(b.clinicId));
      return reply(200, { events: prepared.length });
    }
    if (route === 'POST /burst') {
      const events = prepared;
      prepared = [];
      reply(202, { events: events.length });
      for (let i = 0; i < events.length; i++) {
        backend.bus.publish([events[i]!]);
        if (i % 64 === 63) await yieldToLoop();
      }
      return;
    }
    if (route === 'GET /stats') {
      const hub = backend.liveHub.diagnostics();
      return reply(200, {
        rssBytes: process.memoryUsage().rss,
        heapUsedBytes: process.memoryUsage().heapUsed,
        sockets: hub.sockets.length,
        liveSockets: hub.sockets.filter((s) => s.mode === 'live').length,
        peakBufferedBytes: Math.max(0, ...hub.sockets.map((s) => s.peakBufferedBytes)),
        pendingOutOfOrder: hub.pendingOutOfOrder,
        eventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      });
      loopDelay.reset();
    }
    if (route === 'POST /gc') {
      (globalThis as { gc?: () => void }).gc?.();
      return reply(204);
    }
    reply(404, { error: route });
  })().catch((error: unknown) => {
    logger.error({ err: error }, 'bench control route failed');
    if (!res.headersSent) reply(500, { error: String(error) });
  });
});

await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const { port } = control.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ backendUrl: backend.url, controlUrl: `http://127.0.0.1:${port}` })}\n`);

const stop = () => {
  control.close();
  void backend.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
