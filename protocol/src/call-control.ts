// Live call control from the console: what staff can do on a call in progress (listen, coach the
// assistant, make it say a line, take the call, end it), the request bodies, and the action as it
// appears on the call's timeline and in the live stream.
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, text } from './common.js';

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
 * `POST /api/calls/:id/transfer`: take the call. `clinic` (the default) puts the caller through to the
 * clinic's transfer number; `me` to the number the signed-in staff member set for themselves.
 */
export const TransferRequestSchema = z.strictObject({ to: z.enum(['clinic', 'me']).default('clinic') });
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
