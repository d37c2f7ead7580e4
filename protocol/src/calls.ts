// Calls as the console sees them: list items, detail, transcript and timeline.
import { z } from 'zod';
import { CallActionKindSchema } from './call-control.js';
import { IdSchema, IsoDateSchema, IsoDateTimeSchema, isStorableText, pageSchema, text, UNSTORABLE_TEXT_MESSAGE } from './common.js';

/** Vapi's call statuses, in the only order a call may move through them. */
export const CALL_STATUSES = ['scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended'] as const;
export const CallStatusSchema = z.enum(CALL_STATUSES);
export type CallStatus = z.infer<typeof CallStatusSchema>;

/** True when `next` is later in a call's life than `current` (a late `ringing` never undoes `ended`). */
export function isCallStatusAdvance(current: CallStatus, next: CallStatus): boolean {
  return CALL_STATUSES.indexOf(next) > CALL_STATUSES.indexOf(current);
}

export const CallDirectionSchema = z.enum(['inbound', 'outbound', 'web']);
export type CallDirection = z.infer<typeof CallDirectionSchema>;

/** What came of a call, derived once the call ends; null while it is still going. */
export const CallOutcomeSchema = z.enum(['booked', 'answered', 'transferred', 'missed', 'abandoned', 'spam', 'failed']);
export type CallOutcome = z.infer<typeof CallOutcomeSchema>;

export const SpeakerSchema = z.enum(['assistant', 'caller']);
export type Speaker = z.infer<typeof SpeakerSchema>;

/**
 * A transfer of the call to the front desk. `requested`: the assistant asked the voice platform to put
 * the caller through; `forwarding`: the platform is dialling the destination; `connected`: the platform
 * handed the caller over (for a blind transfer that means the line was dialled, not that someone
 * answered); `failed`: it did not happen, `failure` says why.
 */
export const CallTransferStatusSchema = z.enum(['requested', 'forwarding', 'connected', 'failed']);
export type CallTransferStatus = z.infer<typeof CallTransferStatusSchema>;

export const CallTransferFailureSchema = z.enum([
  /** The clinic has no transfer number. */
  'no_number',
  /** The voice platform gave no way to control the call (no live control URL). */
  'no_control',
  /** The voice platform refused or did not answer the transfer request. */
  'refused',
  /** The destination did not answer. */
  'no_answer',
  /** The destination was busy. */
  'busy',
  /** The caller hung up while being put through. */
  'caller_hung_up',
  /** Anything else the platform reported as a failed transfer. */
  'failed',
]);
export type CallTransferFailure = z.infer<typeof CallTransferFailureSchema>;

export const CallTransferSchema = z.object({
  /** E.164 number the caller was (to be) put through to; null when the clinic has none. */
  destination: text().nullable(),
  /** When the transfer was first asked for or reported. */
  at: IsoDateTimeSchema,
  status: CallTransferStatusSchema,
  failure: CallTransferFailureSchema.nullable(),
});
export type CallTransfer = z.infer<typeof CallTransferSchema>;

export const CallSummarySchema = z.object({
  id: IdSchema,
  direction: CallDirectionSchema,
  status: CallStatusSchema,
  /** E.164, or null for web tests, withheld numbers and numbers that are not valid (see callerNumberRaw). */
  callerNumber: text().nullable(),
  /**
   * What the phone network gave as the caller's number when it is not a valid phone number, kept so
   * staff can still see (and try) it; shown marked as unverified. Null when callerNumber holds it;
   * absent from servers older than the field.
   */
  callerNumberRaw: text().nullable().optional(),
  /** A recognised returning patient, when the number matched one. */
  patientName: text().nullable(),
  startedAt: IsoDateTimeSchema.nullable(),
  endedAt: IsoDateTimeSchema.nullable(),
  durationSeconds: z.number().nonnegative().nullable(),
  endedReason: text().nullable(),
  outcome: CallOutcomeSchema.nullable(),
  summary: text().nullable(),
  isTest: z.boolean(),
  needsAttention: z.boolean(),
  /**
   * The call's transfer to the front desk, if one was asked for or reported. Absent in events an
   * older backend logged: read as none.
   */
  transfer: CallTransferSchema.nullable().default(null),
  createdAt: IsoDateTimeSchema,
});
export type CallSummary = z.infer<typeof CallSummarySchema>;

export const TranscriptSegmentSchema = z.object({
  id: IdSchema,
  speaker: SpeakerSchema,
  text: text(),
  /** Seconds from the start of the call, when the provider says. */
  offsetSeconds: z.number().nonnegative().nullable(),
  at: IsoDateTimeSchema,
});
export type TranscriptSegment = z.infer<typeof TranscriptSegmentSchema>;

/** Things that happen during a call besides its status changes. `assistant_silent`: the assistant went quiet (a slow tool or model). */
export const CallIncidentSchema = z.enum(['assistant_silent']);
export type CallIncident = z.infer<typeof CallIncidentSchema>;

/** A status the call reached, an incident during it, or what staff did; in time order on the call's timeline. */
export const CallTimelineEntrySchema = z.union([
  z.object({ status: CallStatusSchema, at: IsoDateTimeSchema }),
  z.object({ incident: CallIncidentSchema, at: IsoDateTimeSchema }),
  z.object({
    action: CallActionKindSchema,
    staffName: text(),
    detail: text().nullable(),
    at: IsoDateTimeSchema,
  }),
]);
export type CallTimelineEntry = z.infer<typeof CallTimelineEntrySchema>;

export const CallDetailSchema = CallSummarySchema.extend({
  timeline: z.array(CallTimelineEntrySchema),
  transcript: z.array(TranscriptSegmentSchema),
  recordingUrl: z.url().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).nullable(),
  costUsd: z.number().nonnegative().nullable(),
  /** The provider's structured analysis (success evaluation, structured data), as sent. */
  analysis: z.record(text(), z.unknown()).nullable(),
  bookings: z.array(z.lazy(() => BookingRefSchema)),
});
export type CallDetail = z.infer<typeof CallDetailSchema>;

/** Bookings made on a call, as listed on the call itself. */
export const BookingRefSchema = z.object({
  id: IdSchema,
  patientName: text(),
  startsAt: IsoDateTimeSchema,
  status: z.enum(['pending', 'confirmed', 'cancelled']),
});

export const CallListQuerySchema = z.strictObject({
  cursor: text().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** Searches the caller's number, the patient's name and the summary. */
  q: text().trim().min(1).max(100).optional(),
  status: CallStatusSchema.optional(),
  direction: CallDirectionSchema.optional(),
  outcome: CallOutcomeSchema.optional(),
  /** Inclusive calendar days in the clinic's time zone. */
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
});
export type CallListQuery = z.infer<typeof CallListQuerySchema>;
export type CallListQueryInput = z.input<typeof CallListQuerySchema>;

export const CallListResponseSchema = pageSchema(CallSummarySchema);
export type CallListResponse = z.infer<typeof CallListResponseSchema>;
