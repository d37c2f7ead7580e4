// Structured JSON logging (pino). Every line written while handling a request carries its request id,
// through AsyncLocalStorage, so services log without knowing about HTTP.
//
// No PHI in logs: transcripts, names and full phone numbers are never logged on purpose (use
// `maskPhoneNumber` from the protocol); the redaction list below is the safety net, not the policy.
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

interface RequestContext {
  requestId: string;
}
const requestContext = new AsyncLocalStorage<RequestContext>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return requestContext.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-vapi-secret"]',
  'req.headers["x-signature"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["sec-websocket-protocol"]',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.csrfToken',
  '*.authToken',
  '*.apiKey',
  '*.transcript',
  '*.text',
  '*.phoneNumber',
  '*.callerNumber',
  '*.patientPhone',
  '*.patientName',
];

/**
 * Where the process's logs go by default: stdout, written in batches (a write system call per line
 * cost more CPU than the request it described). Flushed at least every 250 ms so a quiet backend's
 * lines still show promptly, and synchronously on exit, so a crash loses nothing.
 */
function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8192 });
  const timer = setInterval(() => {
    try {
      destination.flush(); // a no-op while a write is under way
    } catch {
      clearInterval(timer); // destroyed: the process is ending
    }
  }, 250).unref();
  return destination;
}

export function createLogger(level: string, destination: DestinationStream = bufferedStdout()): Logger {
  return pino(
    {
      level,
      base: { service: 'voxanne-backend' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin() {
        const ctx = requestContext.getStore();
        return ctx ? { reqId: ctx.requestId } : {};
      },
    },
    destination,
  );
}
