import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWebhookTimestamp, verifyVapiWebhook } from './webhook-auth.js';

const auth = { mode: 'hmac' as const, secret: 'a-webhook-secret' };
const body = Buffer.from('{"message":{"type":"status-update"}}');
const sign = (timestamp: string) => createHmac('sha256', auth.secret).update(`${timestamp}.${body.toString()}`).digest('hex');

describe('Vapi webhook authentication', () => {
  const now = Date.parse('2030-01-07T10:00:00Z');

  it('accepts Vapi’s HMAC over "{timestamp}.{body}" with the timestamp in ms, seconds or ISO-8601', () => {
    for (const timestamp of [String(now), String(now / 1000), new Date(now).toISOString()]) {
      expect(verifyVapiWebhook(auth, { 'x-timestamp': timestamp, 'x-signature': sign(timestamp) }, body, now)).toEqual({ ok: true });
    }
    expect(verifyVapiWebhook(auth, { 'x-timestamp': String(now), 'x-signature': `sha256=${sign(String(now))}` }, body, now)).toEqual({
      ok: true,
    });
  });

  it('refuses stale, future, unsigned and mis-signed requests', () => {
    const stale = String(now - 5 * 60_000 - 1);
    expect(verifyVapiWebhook(auth, { 'x-timestamp': stale, 'x-signature': sign(stale) }, body, now)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    const future = String(now + 10 * 60_000);
    expect(verifyVapiWebhook(auth, { 'x-timestamp': future, 'x-signature': sign(future) }, body, now)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyVapiWebhook(auth, {}, body, now)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyVapiWebhook(auth, { 'x-timestamp': String(now), 'x-signature': 'zz' }, body, now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyVapiWebhook(auth, { 'x-timestamp': 'yesterday', 'x-signature': sign('yesterday') }, body, now)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyVapiWebhook(auth, { 'x-timestamp': String(now), 'x-signature': sign(String(now)) }, undefined, now)).toEqual({
      ok: false,
      reason: 'missing_body',
    });
  });

  it('compares the shared secret header in secret mode', () => {
    const secret = { mode: 'secret' as const, secret: 's3cret' };
    expect(verifyVapiWebhook(secret, { 'x-vapi-secret': 's3cret' }, body)).toEqual({ ok: true });
    expect(verifyVapiWebhook(secret, { 'x-vapi-secret': 's3cret!' }, body)).toEqual({ ok: false, reason: 'bad_signature' });
    // The name Vapi's docs gave the plain-secret header in 2025 (not an HMAC).
    expect(verifyVapiWebhook(secret, { 'x-vapi-signature': 's3cret' }, body)).toEqual({ ok: true });
    expect(verifyVapiWebhook(secret, { 'x-vapi-signature': 'wrong' }, body)).toEqual({ ok: false, reason: 'bad_signature' });
    // A wrong X-Vapi-Secret is not rescued by a right X-Vapi-Signature, and HMAC mode never takes a plain secret.
    expect(verifyVapiWebhook(secret, { 'x-vapi-secret': 'wrong', 'x-vapi-signature': 's3cret' }, body)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyVapiWebhook(auth, { 'x-vapi-signature': auth.secret, 'x-vapi-secret': auth.secret }, body, now)).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it('reads timestamps in every unit Vapi may use', () => {
    expect(parseWebhookTimestamp('1893924000')).toBe(1893924000_000);
    expect(parseWebhookTimestamp('1893924000123')).toBe(1893924000123);
    expect(parseWebhookTimestamp('2030-01-07T10:00:00Z')).toBe(now);
    expect(parseWebhookTimestamp('soon')).toBeNaN();
  });
});
