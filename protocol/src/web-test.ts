// Web test: talk to the assistant through the reception PC's microphone (PCM16 both ways).
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, text } from './common.js';
import { SpeakerSchema } from './calls.js';

/** The one audio format on every hop: 16 kHz mono signed 16-bit little-endian, 20 ms frames. */
export const WEB_TEST_AUDIO = {
  encoding: 'pcm_s16le',
  container: 'raw',
  sampleRate: 16_000,
  channels: 1,
  frameMs: 20,
  frameSamples: 320,
  frameBytes: 640,
} as const;

export const WebTestAudioFormatSchema = z.object({
  encoding: z.literal('pcm_s16le'),
  container: z.literal('raw'),
  sampleRate: z.literal(16_000),
  channels: z.literal(1),
  frameMs: z.literal(20),
  frameBytes: z.literal(640),
});

export const WebTestDiagnosticsSchema = z.object({
  ready: z.boolean(),
  /** Why the bridge is not ready, when it is not. */
  reason: text().nullable(),
  audioFormat: WebTestAudioFormatSchema,
  /** Web tests of the caller's clinic running on this instance (other clinics' are never counted). */
  activeSessions: z.number().int().nonnegative(),
  /** Active sessions of the caller's clinic. */
  sessions: z.array(z.object({ id: IdSchema, startedAt: IsoDateTimeSchema, userId: IdSchema })),
  maxSessionSeconds: z.number().int().positive(),
  mode: z.enum(['sandbox', 'vapi']),
});
export type WebTestDiagnostics = z.infer<typeof WebTestDiagnosticsSchema>;

/** JSON control messages on `/ws/web-test`; audio travels as binary frames of `frameBytes`. */
export const WebTestClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start') }),
  z.strictObject({ type: z.literal('mute'), muted: z.boolean() }),
  z.strictObject({ type: z.literal('end') }),
  z.strictObject({ type: z.literal('auth'), accessToken: text().min(1).max(8192) }),
]);
export type WebTestClientMessage = z.infer<typeof WebTestClientMessageSchema>;

export const WebTestEndReasonSchema = z.enum([
  'ended-by-user',
  'assistant-ended',
  'time-limit',
  'provider-error',
  'provider-refused',
  'replaced-by-new-session',
  /** Too many web tests started in the last minute (each one is a call on the voice platform). */
  'rate-limited',
  'server-shutdown',
  /** The sign-in behind the test ended (signed out, account disabled) or expired without a re-auth. */
  'session-ended',
]);

export const WebTestServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), sessionId: IdSchema, callId: IdSchema, maxSeconds: z.number().int().positive() }),
  z.object({ type: z.literal('status'), status: z.enum(['connecting', 'in-progress', 'ended']) }),
  z.object({
    type: z.literal('transcript'),
    speaker: SpeakerSchema,
    transcriptType: z.enum(['partial', 'final']),
    text: text(),
  }),
  z.object({ type: z.literal('ended'), reason: WebTestEndReasonSchema, message: text().nullable() }),
  z.object({ type: z.literal('error'), code: text(), message: text() }),
  /** The access token expires at `expiresAt`: send `auth` with a fresh one before then, or the test ends. */
  z.object({ type: z.literal('token-expiring'), expiresAt: IsoDateTimeSchema }),
]);
export type WebTestServerMessage = z.infer<typeof WebTestServerMessageSchema>;
