// Live events: the per-clinic ordered log every console consumes (docs/live-events.md).
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, text } from './common.js';
import { CallStatusSchema, CallSummarySchema, SpeakerSchema } from './calls.js';
import { BookingSchema } from './bookings.js';
import { AgentSyncSchema } from './agent.js';
import { DashboardStatsSchema } from './stats.js';
import { CallActionSchema } from './call-control.js';
import { WorkItemChangeSchema, WorkItemCountsSchema, WorkItemSchema } from './work-items.js';

export const AttentionReasonSchema = z.enum(['transfer_requested', 'tool_failed', 'caller_asked_for_staff', 'assistant_silent']);
export type AttentionReason = z.infer<typeof AttentionReasonSchema>;

const eventBase = {
  id: IdSchema,
  clinicId: IdSchema,
  /** Strictly increasing per clinic, assigned in the transaction that changed the data. */
  seq: z.number().int().positive(),
  at: IsoDateTimeSchema,
};

const CallTranscriptDataSchema = z.object({
  callId: IdSchema,
  speaker: SpeakerSchema,
  /** A partial is superseded by the next partial or final of the same call and speaker. */
  transcriptType: z.enum(['partial', 'final']),
  text: text(),
  /** Set on finals: the stored segment. */
  segmentId: IdSchema.nullable(),
});

export const LiveEventSchema = z.discriminatedUnion('kind', [
  z.object({ ...eventBase, kind: z.literal('call.started'), data: z.object({ call: CallSummarySchema }) }),
  z.object({
    ...eventBase,
    kind: z.literal('call.status'),
    data: z.object({ callId: IdSchema, status: CallStatusSchema, call: CallSummarySchema }),
  }),
  z.object({ ...eventBase, kind: z.literal('call.transcript'), data: CallTranscriptDataSchema }),
  z.object({ ...eventBase, kind: z.literal('call.ended'), data: z.object({ call: CallSummarySchema }) }),
  z.object({ ...eventBase, kind: z.literal('booking.created'), data: z.object({ booking: BookingSchema }) }),
  z.object({ ...eventBase, kind: z.literal('booking.updated'), data: z.object({ booking: BookingSchema }) }),
  z.object({
    ...eventBase,
    kind: z.literal('agent.updated'),
    data: z.object({ name: text(), sync: AgentSyncSchema }),
  }),
  z.object({
    ...eventBase,
    kind: z.literal('attention.needed'),
    data: z.object({
      callId: IdSchema.nullable(),
      reason: AttentionReasonSchema,
      /** Short, human text for the queue and the notification (no transcript). */
      message: text(),
      patientName: text().nullable(),
      callerNumber: text().nullable(),
    }),
  }),
  z.object({ ...eventBase, kind: z.literal('stats.changed'), data: z.object({ stats: DashboardStatsSchema }) }),
  /** Calls removed for good (retention, a patient's erasure): consoles drop them from every view. */
  z.object({
    ...eventBase,
    kind: z.literal('calls.deleted'),
    data: z.object({ callIds: z.array(IdSchema).max(1000), reason: z.enum(['retention', 'erasure']) }),
  }),
  /** A staff member acted on a live call (listened, coached, took it, ended it). */
  z.object({ ...eventBase, kind: z.literal('call.action'), data: z.object({ action: CallActionSchema }) }),
  z.object({
    ...eventBase,
    kind: z.literal('work_item.changed'),
    /** The item as it now is, what happened to it, and the clinic's items not yet done after it. */
    data: z.object({ item: WorkItemSchema, change: WorkItemChangeSchema, counts: WorkItemCountsSchema }),
  }),
]);
export type LiveEvent = z.infer<typeof LiveEventSchema>;
export type LiveEventKind = LiveEvent['kind'];
export type LiveEventOf<K extends LiveEventKind> = Extract<LiveEvent, { kind: K }>;
/** What a writer hands to the event log; the log assigns id, seq and at. */
export type NewLiveEvent = { [K in LiveEventKind]: { kind: K; data: LiveEventOf<K>['data'] } }[LiveEventKind];

export const LIVE_EVENT_KINDS = LiveEventSchema.options.map((o) => o.shape.kind.value) as LiveEventKind[];
