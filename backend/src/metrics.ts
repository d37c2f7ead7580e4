// Prometheus metrics (prom-client), one registry per backend instance so tests can run several.
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  wsConnections: Gauge<'socket'>;
  webhookEvents: Counter<'source' | 'type' | 'outcome'>;
  liveEventsPublished: Counter<'kind'>;
  webhooksPerStatement: Histogram<'kind'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'ws_connections',
      help: 'Open WebSocket connections by socket path',
      labelNames: ['socket'],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'webhook_events_total',
      help: 'Webhook deliveries by source, message type and outcome',
      labelNames: ['source', 'type', 'outcome'],
      registers: [registry],
    }),
    liveEventsPublished: new Counter({
      name: 'live_events_published_total',
      help: 'Live events appended to the log and published, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    webhooksPerStatement: new Histogram({
      name: 'webhooks_per_statement',
      help: 'Webhooks stored together by one statement (group commit), by kind: live transcript lines, call status updates and reports',
      labelNames: ['kind'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 200],
      registers: [registry],
    }),
  };
}

/** Observes every response; the label is the route pattern (`/api/calls/:id`), never the raw URL. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
