// Child process of bench/live.ts: the same fan-out as the live hub with nothing else: consoles grouped
// by clinic, each event sent to its clinic's consoles. `ws` is the bare broadcast (the ceiling of this
// machine); `ws-insert` is the same broadcast after committing one row per event to the bench's
// database (the backend's database kind: floor-pool.ts), the least any server does that stores
// an event before it sends it; `socketio` is what a team would usually pick (rooms per clinic, websocket
// transport). No auth, no log, and no database but that one insert. Control routes match
// bench/live-server.ts: POST /event, POST /prepare-burst, POST /burst, GET /stats. Prints
// {"backendUrl","controlUrl"} when ready.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { Server as SocketIoServer } from 'socket.io';
import { floorPool } from './floor-pool.js';

const kind = process.argv[2];
if (kind !== 'ws' && kind !== 'ws-insert' && kind !== 'socketio') throw new Error('usage: live-baseline-server.ts ws|ws-insert|socketio');

/** `ws-insert`: commits one row (a statement of its own, so a transaction of its own) per event. */
const insertEvent = kind === 'ws-insert' ? await eventTable() : undefined;

async function eventTable(): Promise<(clinicId: string, marker: string) => Promise<void>> {
  const { pool } = await floorPool('ws-insert-floor');
  await pool.query(
    'create table if not exists live_floor_events (id bigserial primary key, clinic_id text not null, marker text not null, at timestamptz not null default now())',
  );
  return async (clinicId, marker) => {
    await pool.query({
      name: 'live_floor_insert',
      text: 'insert into live_floor_events (clinic_id, marker) values ($1, $2)',
      values: [clinicId, marker],
    });
  };
}

const seqByClinic = new Map<string, number>();
/** The same message shape and size the live hub sends. */
function eventFor(clinicId: string, marker: string) {
  const seq = (seqByClinic.get(clinicId) ?? 0) + 1;
  seqByClinic.set(clinicId, seq);
  return {
    type: 'event',
    event: {
      id: randomUUID(),
      clinicId,
      seq,
      at: new Date().toISOString(),
      kind: 'call.transcript',
      data: { callId: clinicId, speaker: 'caller', transcriptType: 'partial', text: marker, segmentId: null },
    },
  };
}

const server = http.createServer();
let broadcast: (clinicId: string, message: ReturnType<typeof eventFor>) => void;
let connections: () => number;

if (kind !== 'socketio') {
  const byClinic = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const clinicId = new URL(req.url ?? '/', 'http://x').searchParams.get('clinic') ?? '';
    const set = byClinic.get(clinicId) ?? new Set();
    set.add(ws);
    byClinic.set(clinicId, set);
    ws.on('close', () => set.delete(ws));
  });
  broadcast = (clinicId, message) => {
    const frame = Buffer.from(JSON.stringify(message));
    for (const ws of byClinic.get(clinicId) ?? []) ws.send(frame, { binary: false });
  };
  connections = () => wss.clients.size;
} else {
  const io = new SocketIoServer(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  io.on('connection', (socket) => {
    const clinicId = String(socket.handshake.query.clinic ?? '');
    void socket.join(clinicId);
  });
  broadcast = (clinicId, message) => {
    io.to(clinicId).emit('event', message);
  };
  connections = () => io.engine.clientsCount;
}

let prepared: Array<{ clinicId: string; marker: string }> = [];

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
}

const control = http.createServer((req, res) => {
  const reply = (status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const route = `${req.method} ${req.url}`;
  void (async () => {
    if (route === 'POST /event') {
      const { clinicId, marker } = (await readJson(req)) as { clinicId: string; marker: string };
      await insertEvent?.(clinicId, marker);
      broadcast(clinicId, eventFor(clinicId, marker));
      return reply(204);
    }
    if (route === 'POST /prepare-burst') {
      const { clinicIds, events } = (await readJson(req)) as { clinicIds: string[]; events: number };
      const perClinic = Math.ceil(events / clinicIds.length);
      prepared = [];
      for (let i = 0; i < perClinic; i++) for (const clinicId of clinicIds) prepared.push({ clinicId, marker: `burst:${i}` });
      return reply(200, { events: prepared.length });
    }
    if (route === 'POST /burst') {
      const events = prepared;
      prepared = [];
      reply(202, { events: events.length });
      for (let i = 0; i < events.length; i++) {
        const { clinicId, marker } = events[i]!;
        broadcast(clinicId, eventFor(clinicId, marker));
        if (i % 64 === 63) await yieldToLoop();
      }
      return;
    }
    if (route === 'GET /stats') {
      const cpu = process.cpuUsage();
      return reply(200, {
        rssBytes: process.memoryUsage().rss,
        heapUsedBytes: process.memoryUsage().heapUsed,
        sockets: connections(),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      });
    }
    reply(404, { error: route });
  })().catch((error: unknown) => {
    if (!res.headersSent) reply(500, { error: String(error) });
  });
});

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const backendPort = (server.address() as AddressInfo).port;
const controlPort = (control.address() as AddressInfo).port;
process.stdout.write(
  `${JSON.stringify({ backendUrl: `http://127.0.0.1:${backendPort}`, controlUrl: `http://127.0.0.1:${controlPort}` })}\n`,
);

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
