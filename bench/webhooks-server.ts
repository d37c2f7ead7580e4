// Child process of bench/webhooks.ts: one real backend (configured from the environment exactly as
// `npm run backend` is) with clinics whose assistants and numbers are known, plus a small control
// server for the bench:
//   GET /counts   what is stored: calls (and ended ones), transcript segments, bookings, events
// When ready it sends {"bench":"webhooks","backendUrl","controlUrl","clinics":[...]} (IPC, or a stdout line).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../backend/src/config/config.js';
import { createLogger } from '../backend/src/logging/logger.js';
import { startBackend } from '../backend/src/backend.js';
import { createClinic } from '../backend/src/clinics/clinic-queries.js';
import { getAgent } from '../backend/src/agent/agent-service.js';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const backend = await startBackend(config, logger);
const db = backend.database.db;

const clinicCount = Number(process.env.BENCH_CLINICS ?? '20');
const clinics: Array<{ clinicId: string; assistantId: string; phoneNumberId: string }> = [];
for (let i = 0; i < clinicCount; i++) {
  const { id: clinicId } = await createClinic(db, { name: `Bench clinic ${i + 1}`, timeZone: 'Europe/London' });
  await getAgent(db, clinicId);
  const assistantId = `bench-asst-${randomUUID()}`;
  const phoneNumberId = `bench-pn-${randomUUID()}`;
  await db
    .updateTable('agents')
    .set({ provider_assistant_id: assistantId, sync_status: 'synced' })
    .where('clinic_id', '=', clinicId)
    .execute();
  await db
    .insertInto('phone_numbers')
    .values({
      clinic_id: clinicId,
      number: `+44113496${String(i).padStart(4, '0')}`,
      provider_number_id: phoneNumberId,
      assistant_attached: true,
    })
    .execute();
  clinics.push({ clinicId, assistantId, phoneNumberId });
}

const count = async (table: 'calls' | 'transcript_segments' | 'bookings' | 'events') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const control = http.createServer((req, res) => {
  void (async () => {
    if (req.url !== '/counts') {
      res.writeHead(404).end();
      return;
    }
    const ended = Number(
      (
        await db
          .selectFrom('calls')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'ended')
          .executeTakeFirstOrThrow()
      ).n,
    );
    const body = {
      calls: await count('calls'),
      ended,
      segments: await count('transcript_segments'),
      bookings: await count('bookings'),
      events: await count('events'),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  })().catch((error: unknown) => res.writeHead(500).end(String(error)));
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

const ready = {
  bench: 'webhooks',
  backendUrl: backend.url,
  controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
  clinics,
};
// Over the IPC channel when the bench opened one (its logs then go to a file, as a log shipper would
// read them, instead of a pipe the busy bench must drain); else as a line on stdout.
if (process.send) process.send(ready);
else process.stdout.write(`${JSON.stringify(ready)}\n`);

process.on('SIGTERM', () => {
  control.close();
  void backend.close().then(() => process.exit(0));
});
