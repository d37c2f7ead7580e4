// Authenticates Vapi webhooks before anything is parsed or stored.
//
// Two schemes, chosen by VAPI_WEBHOOK_AUTH:
// - `hmac`: Vapi's HMAC credential with its defaults: `x-signature` = hex(HMAC-SHA256(secret,
//   "{timestamp}.{rawBody}")), `x-timestamp` = when it was signed. Stale timestamps (replays) are refused.
// - `secret`: the shared secret in `X-Vapi-Secret`. Vapi's docs named the same plain-secret header
//   `X-Vapi-Signature` from March to September 2025, so that name is accepted too (same secret,
//   same constant-time comparison; it is not an HMAC).
// Comparisons are constant-time. Vapi's docs don't fix the timestamp's unit, so seconds, milliseconds
// and ISO-8601 are all understood.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_WEBHOOK_AGE_MS = 5 * 60_000;

export type WebhookAuthMode = 'hmac' | 'secret';

export type WebhookVerdict =
  { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'missing_body' };

export interface WebhookAuth {
  mode: WebhookAuthMode;
  secret: string;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The signature Vapi's HMAC credential puts in `x-signature` (also used by the sandbox to sign). */
export function vapiHmacSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** Milliseconds since the epoch from a seconds, milliseconds or ISO-8601 timestamp; NaN when unreadable. */
export function parseWebhookTimestamp(value: string): number {
  if (/^\d{1,16}$/.test(value)) {
    const n = Number(value);
    return n < 1e11 ? n * 1000 : n;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return Date.parse(value);
  return Number.NaN;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function verifyVapiWebhook(auth: WebhookAuth, headers: Headers, rawBody: Buffer | undefined, now = Date.now()): WebhookVerdict {
  if (!rawBody) return { ok: false, reason: 'missing_body' };
  if (auth.mode === 'secret') {
    const presented = header(headers, 'x-vapi-secret') ?? header(headers, 'x-vapi-signature');
    if (!presented) return { ok: false, reason: 'missing_signature' };
    return safeEqual(presented, auth.secret) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  }
  const signature = header(headers, 'x-signature');
  const timestamp = header(headers, 'x-timestamp');
  if (!signature || !timestamp) return { ok: false, reason: 'missing_signature' };
  const expected = vapiHmacSignature(auth.secret, timestamp, rawBody);
  const presented = signature.replace(/^sha256=/, '').toLowerCase();
  if (!safeEqual(presented, expected)) return { ok: false, reason: 'bad_signature' };
  const signedAt = parseWebhookTimestamp(timestamp);
  if (!Number.isFinite(signedAt) || Math.abs(now - signedAt) > MAX_WEBHOOK_AGE_MS) return { ok: false, reason: 'stale_timestamp' };
  return { ok: true };
}

/** Headers that authenticate `rawBody` the way Vapi would send it. */
export function vapiWebhookHeaders(auth: WebhookAuth, rawBody: string, now = Date.now()): Record<string, string> {
  if (auth.mode === 'secret') return { 'x-vapi-secret': auth.secret };
  const timestamp = String(now);
  return { 'x-timestamp': timestamp, 'x-signature': vapiHmacSignature(auth.secret, timestamp, rawBody) };
}
