// Live call control from the console: what staff can do on a call in progress (listen, coach the
// assistant, make it say a line, take the call, end it), the request bodies, and the action as it
// appears on the call's timeline and in the live stream.
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, text } from './common.js';
import { E164Schema, PhoneInputSchema } from './phone.js';

export const CALL_ACTION_KINDS = ['listen', 'coach', 'say', 'transfer', 'end'] as const;
export const CallActionKindSchema = z.enum(CALL_ACTION_KINDS);
export type CallActionKind = z.infer<typeof CallActionKindSchema>;

/** The longest instruction or line staff can type: a sentence or two, never a document. */
export const CALL_CONTROL_TEXT_MAX = 500;

const ControlText = text().trim().min(1, 'must not be empty').max(CALL_CONTROL_TEXT_MAX);

/** `POST /api/calls/:id/coach`: an instruction the assistant follows from its next turn; the caller does not hear it. */
export const CoachRequestSchema = z.strictObject({ text: ControlText });
export type CoachRequest = z.infer<typeof CoachRequestSchema>;

/** `POST /api/calls/:id/say`: a line the assistant says now. */
export const SayRequestSchema = z.strictObject({ text: ControlText });
export type SayRequest = z.infer<typeof SayRequestSchema>;

/**
 * `POST /api/calls/:id/transfer`: take the call. `auto` (the default) puts the caller through to the
 * number the signed-in staff member set for themselves when they set one, otherwise to the clinic's
 * transfer number; `clinic` and `me` pick one of the two (`me` refuses when none is set).
 */
export const TransferTargetSchema = z.enum(['auto', 'clinic', 'me']);
export type TransferTarget = z.infer<typeof TransferTargetSchema>;
export const TransferRequestSchema = z.strictObject({ to: TransferTargetSchema.default('auto') });
export type TransferRequest = z.input<typeof TransferRequestSchema>;

/** What every control answers: the action as recorded on the call. */
export const CallActionSchema = z.object({
  id: IdSchema,
  callId: IdSchema,
  action: CallActionKindSchema,
  /** Who did it (their display name), null when the staff account no longer exists. */
  staffId: IdSchema.nullable(),
  staffName: text(),
  /** What was said or coached; for a transfer the masked destination. */
  detail: text().nullable(),
  at: IsoDateTimeSchema,
});
export type CallAction = z.infer<typeof CallActionSchema>;

/** `POST /api/calls/:id/listen`: a short-lived, single-use ticket for the listen audio socket. */
export const ListenTicketResponseSchema = z.object({
  ticket: text().min(16).max(200),
  expiresAt: IsoDateTimeSchema,
  action: CallActionSchema,
});
export type ListenTicketResponse = z.infer<typeof ListenTicketResponseSchema>;

/** The listen-in audio socket; authenticated like the live socket (subprotocols, nothing in the URL). */
export const LISTEN_SOCKET_PATH = '/ws/listen';

/** What the console hears: 16 kHz mono signed 16-bit little-endian, 20 ms binary frames (as the web test). */
export const LISTEN_AUDIO = {
  encoding: 'pcm_s16le',
  sampleRate: 16_000,
  channels: 1,
  frameMs: 20,
  frameBytes: 640,
} as const;

/** The one message a console sends on `/ws/listen`: the ticket from `POST /api/calls/:id/listen`. */
export const ListenClientMessageSchema = z.strictObject({ type: z.literal('listen'), ticket: text().min(16).max(200) });
export type ListenClientMessage = z.infer<typeof ListenClientMessageSchema>;

export const ListenEndReasonSchema = z.enum([
  'call-ended',
  /** The sign-in behind the socket ended (signed out, account disabled). */
  'session-ended',
  /** The ticket was presented a second time: both uses end. */
  'ticket-reused',
  /** Unknown, expired, or another staff member's ticket. */
  'ticket-invalid',
  /** The voice platform's listen stream failed or is not available for this call. */
  'unavailable',
  'stopped',
  'server-shutdown',
]);
export type ListenEndReason = z.infer<typeof ListenEndReasonSchema>;

export const ListenServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('listening'), callId: IdSchema }),
  z.object({ type: z.literal('ended'), reason: ListenEndReasonSchema, message: text() }),
]);
export type ListenServerMessage = z.infer<typeof ListenServerMessageSchema>;

/**
 * `PUT /api/staff/:id/transfer-number`: the number a staff member takes calls on ("Take call" puts
 * callers through to it). Typed freely with its country code, stored as E.164; null clears it. A staff
 * member sets their own; an administrator may set anyone's in the clinic.
 */
export const TransferNumberUpdateSchema = z.strictObject({ transferNumber: PhoneInputSchema.nullable() });
export type TransferNumberUpdate = z.input<typeof TransferNumberUpdateSchema>;

export const TransferNumberResponseSchema = z.object({ staffId: IdSchema, transferNumber: E164Schema.nullable() });
export type TransferNumberResponse = z.infer<typeof TransferNumberResponseSchema>;
