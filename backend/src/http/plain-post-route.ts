// A POST route answered by plain node:http ahead of Express, for server-to-server traffic that is
// most of what the backend serves (Vapi's webhooks: a few per second per live call). Express's
// routing, body parsers and response helpers cost more CPU than the rest of such a request
// (bench/webhooks); a route here keeps what every request gets: the request id, its log line, the
// HTTP metrics, the body limit and the one error shape of app.ts.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import getRawBody from 'raw-body';
import type { Logger } from '../logging/logger.js';
import { runWithRequestId } from '../logging/logger.js';
import type { Metrics } from '../metrics.js';
import { AppError } from '../errors.js';
import { toAppError } from './app.js';
import { httpStatusOf } from './errors.js';
import { requestIdOf, requestLines } from './request-log.js';

export interface PlainPostRouteDeps {
  logger: Logger;
  metrics: Metrics;
  /** The largest body read, after decoding (BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

/** What a plain route is given: the headers and the body's bytes, whatever its Content-Type. */
export interface PlainRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Answers the request (and returns true) when it is a POST to the route's path; leaves any other alone. */
export type PlainRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/** `answer` resolves with a JSON body sent with 200, or throws (an AppError is answered in its shape). */
export function plainPostRoute(path: string, deps: PlainPostRouteDeps, answer: (request: PlainRequest) => Promise<unknown>): PlainRoute {
  const logLine = requestLines(deps.logger);
  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    let status = 200;
    let body: unknown;
    try {
      body = await answer({ headers: req.headers, body: await readBody(req, deps.bodyLimitBytes) });
    } catch (err) {
      const error = toAppError(err);
      if (error.code === 'internal') deps.logger.error({ err }, 'unhandled error');
      status = httpStatusOf(error);
      body = error.toBody();
    }
    const json = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) }).end(json);
  };
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const query = req.url!.indexOf('?');
    if ((query === -1 ? req.url : req.url!.slice(0, query)) !== path) return false;
    const id = requestIdOf(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', id);
    logLine(req, res, path, id);
    const timer = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => timer({ method: 'POST', route: path, status: String(res.statusCode) }));
    runWithRequestId(id, () => void respond(req, res));
    return true;
  };
}

/** The body's bytes, decoded as Express's body parsers decode them (gzip, deflate, br), within the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoded = DECODERS.get(encoding);
  if (!decoded) {
    req.resume();
    return Promise.reject(new AppError('unsupported_media_type', `Content-Encoding ${encoding.slice(0, 40)} is not supported.`));
  }
  const stream = decoded(req);
  // The declared length is checked up front only when the bytes arrive as they are.
  const length = stream === req ? req.headers['content-length'] : undefined;
  return getRawBody(stream, { limit, ...(length ? { length } : {}) }).catch((err: unknown) => {
    if (String((err as { code?: unknown }).code).startsWith('Z_'))
      throw new AppError('bad_request', 'The request body could not be decoded.');
    throw err;
  });
}

const DECODERS = new Map<string, (req: IncomingMessage) => Readable>([
  ['identity', (req) => req],
  ['gzip', (req) => req.pipe(zlib.createGunzip())],
  ['deflate', (req) => req.pipe(zlib.createInflate())],
  ['br', (req) => req.pipe(zlib.createBrotliDecompress())],
]);
