// Child process of bench/webhooks.ts: the floor the webhook path is measured against. A bare
// node:http server that reads each request's body, parses it as JSON and stores it with one INSERT
// through a pg Pool of the backend's size on the same database kind (floor-pool.ts), then answers
// 200 `{}`. No signature check, validation, clinic lookup or live event: what any webhook receiver
// storing what it is sent costs on this machine, in the same run.
// When ready it sends {"backendUrl"} over IPC, as webhooks-server.ts does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { floorPool } from './floor-pool.js';

const { pool, close } = await floorPool('floor-db');
await pool.query(
  'create table if not exists floor_events (id bigserial primary key, received_at timestamptz not null default now(), body jsonb not null)',
);

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    pool
      .query('insert into floor_events (body) values ($1)', [body])
      .then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
      .catch(() => res.writeHead(500).end());
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const ready = { backendUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
if (process.send) process.send(ready);
else process.stdout.write(`${JSON.stringify(ready)}\n`);

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void close().then(() => process.exit(0));
});
