// An open-loop load at a steady rate over a fixed set of kept-alive connections, for "p99 at N
// requests/s" figures.
//
// Why not autocannon's `overallRate`: it gives every connection a per-second quota that it sends back
// to back when its one-second timer resets, and all the timers start together, so "1,000 req/s over
// 200 connections" arrives as a burst of 1,000 requests at the top of each second. Its latencies then
// measure how long that burst queues, not the answer time at the stated rate. Here request k is due at
// start + k / rate, spread evenly; its latency runs from when it was due (so a slow answer that holds
// up later requests is charged to them too: no coordinated omission).
import http from 'node:http';

export interface PacedLoadOptions {
  url: string;
  connections: number;
  /** Requests per second, offered evenly. */
  rate: number;
  seconds: number;
  headers?: Record<string, string>;
}

export interface PacedLoadResult {
  sent: number;
  answered: number;
  /** Answers other than 2xx, and requests that failed outright. */
  failed: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers per second over the run. */
  perSecond: number;
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const send = () =>
    new Promise<boolean>((resolve) => {
      const req = http.get(options.url, { agent, headers: options.headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode !== undefined && res.statusCode < 300));
        res.on('error', () => resolve(false));
      });
      req.on('error', () => resolve(false));
    });
  try {
    // Open every connection first, so the run measures answers, not TCP handshakes.
    await Promise.all(Array.from({ length: options.connections }, send));

    const total = Math.round(options.rate * options.seconds);
    const interval = 1000 / options.rate;
    const latencies: number[] = [];
    let failed = 0;
    let sent = 0;
    const inFlight: Array<Promise<void>> = [];
    const start = performance.now();
    await new Promise<void>((done) => {
      const tick = () => {
        const now = performance.now();
        while (sent < total && start + sent * interval <= now) {
          const due = start + sent * interval;
          sent++;
          inFlight.push(
            send().then((ok) => {
              latencies.push(performance.now() - due);
              if (!ok) failed++;
            }),
          );
        }
        if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
        else done();
      };
      tick();
    });
    await Promise.all(inFlight);
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN) * 10) / 10;
    return {
      sent,
      answered: latencies.length - failed,
      failed,
      p50: at(0.5),
      p99: at(0.99),
      max: at(1),
      perSecond: Math.round(latencies.length / elapsed),
    };
  } finally {
    agent.destroy();
  }
}
