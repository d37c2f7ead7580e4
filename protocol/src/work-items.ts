// The front desk's work queue: follow-ups every console of a clinic shares (missed calls, messages
// the assistant took, calls that need a person, bookings to review), who is on each, and how it ended.
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, pageSchema, text } from './common.js';

export const WORK_ITEM_KINDS = ['missed_call', 'callback_requested', 'needs_person', 'booking_review'] as const;
export const WorkItemKindSchema = z.enum(WORK_ITEM_KINDS);
export type WorkItemKind = z.infer<typeof WorkItemKindSchema>;

export const WORK_ITEM_KIND_LABELS: Record<WorkItemKind, string> = {
  missed_call: 'Missed call',
  callback_requested: 'Callback requested',
  needs_person: 'Needs a person',
  booking_review: 'Booking to review',
};

export const WorkItemStatusSchema = z.enum(['open', 'claimed', 'done']);
export type WorkItemStatus = z.infer<typeof WorkItemStatusSchema>;

/** Highest first: the queue is worked in this order, then by due time. */
export const WORK_ITEM_PRIORITIES = ['high', 'normal', 'low'] as const;
export const WorkItemPrioritySchema = z.enum(WORK_ITEM_PRIORITIES);
export type WorkItemPriority = z.infer<typeof WorkItemPrioritySchema>;

/** How an item was closed: one is required to mark it done. */
export const WORK_ITEM_OUTCOMES = ['called_back_booked', 'called_back_no_booking', 'left_voicemail', 'no_answer', 'not_needed'] as const;
export const WorkItemOutcomeSchema = z.enum(WORK_ITEM_OUTCOMES);
export type WorkItemOutcome = z.infer<typeof WorkItemOutcomeSchema>;

export const WORK_ITEM_OUTCOME_LABELS: Record<WorkItemOutcome, string> = {
  called_back_booked: 'Called back — booked',
  called_back_no_booking: 'Called back — no booking needed',
  left_voicemail: 'No answer — left voicemail',
  no_answer: 'No answer',
  not_needed: 'Not needed / spam',
};

/** The missed-call text-back and the callback promise: clinic settings an administrator changes. */
export const WORK_QUEUE_SETTING_LIMITS = {
  textBackMessage: { max: 320, default: 'Sorry we missed your call — reply here or call us back.' },
  textBackFrom: { default: '09:00' },
  textBackUntil: { default: '20:00' },
  /** Minutes within which missed callers and messages are called back (their items' due time). */
  callbackWindowMinutes: { min: 15, max: 1440, default: 120 },
} as const;

export const StaffRefSchema = z.object({ id: IdSchema, name: text() });
export type StaffRef = z.infer<typeof StaffRefSchema>;

export const WorkItemSchema = z.object({
  id: IdSchema,
  kind: WorkItemKindSchema,
  priority: WorkItemPrioritySchema,
  status: WorkItemStatusSchema,
  /** One line for the queue (no transcript). */
  title: text(),
  /** The caller's message or why the item exists. */
  detail: text().nullable(),
  callerNumber: text().nullable(),
  patientId: IdSchema.nullable(),
  patientName: text().nullable(),
  /** The call that created the item. */
  callId: IdSchema.nullable(),
  bookingId: IdSchema.nullable(),
  /** Calls folded into this item (repeat missed calls from the same number on the same day). */
  callCount: z.number().int().positive(),
  dueAt: IsoDateTimeSchema,
  claimedBy: StaffRefSchema.nullable(),
  claimedAt: IsoDateTimeSchema.nullable(),
  outcome: WorkItemOutcomeSchema.nullable(),
  note: text().nullable(),
  doneBy: StaffRefSchema.nullable(),
  doneAt: IsoDateTimeSchema.nullable(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type WorkItem = z.infer<typeof WorkItemSchema>;

export const WorkItemActionSchema = z.enum([
  'created',
  'joined',
  'claimed',
  'released',
  'done',
  'reopened',
  'callback_started',
  /** The assistant's call-back ended without settling the item (its call is attached). */
  'callback_ended',
  /** The missed-call text-back went to the caller (its words in the note). */
  'texted',
  /** Why no text-back was sent (not a mobile, outside texting hours, opted out, already texted today). */
  'text_not_sent',
  /** The caller answered the text-back (their words in the note). */
  'text_reply',
]);
export type WorkItemAction = z.infer<typeof WorkItemActionSchema>;

export const WorkItemHistoryEntrySchema = z.object({
  id: IdSchema,
  at: IsoDateTimeSchema,
  action: WorkItemActionSchema,
  staff: StaffRefSchema.nullable(),
  callId: IdSchema.nullable(),
  outcome: WorkItemOutcomeSchema.nullable(),
  note: text().nullable(),
});
export type WorkItemHistoryEntry = z.infer<typeof WorkItemHistoryEntrySchema>;

/** Items not yet done (open or claimed), per kind. */
export const WorkItemCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  byKind: z.record(WorkItemKindSchema, z.number().int().nonnegative()),
});
export type WorkItemCounts = z.infer<typeof WorkItemCountsSchema>;

export const WorkItemListQuerySchema = z.strictObject({
  /** `active` (the default): open and claimed. */
  status: z.enum(['active', 'open', 'claimed', 'done']).default('active'),
  kind: WorkItemKindSchema.optional(),
  cursor: text().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type WorkItemListQuery = z.input<typeof WorkItemListQuerySchema>;

export const WorkItemListResponseSchema = pageSchema(WorkItemSchema).extend({ counts: WorkItemCountsSchema });
export type WorkItemListResponse = z.infer<typeof WorkItemListResponseSchema>;

export const WorkItemResponseSchema = z.object({ item: WorkItemSchema });
export type WorkItemResponse = z.infer<typeof WorkItemResponseSchema>;

export const WorkItemDetailResponseSchema = z.object({ item: WorkItemSchema, history: z.array(WorkItemHistoryEntrySchema) });
export type WorkItemDetailResponse = z.infer<typeof WorkItemDetailResponseSchema>;

export const WorkItemClaimRequestSchema = z.strictObject({
  /** Take the item over from whoever holds it. */
  takeOver: z.boolean().default(false),
});
export type WorkItemClaimRequest = z.input<typeof WorkItemClaimRequestSchema>;

export const WorkItemDoneRequestSchema = z.strictObject({
  outcome: WorkItemOutcomeSchema,
  note: text().trim().max(2000).optional(),
});
export type WorkItemDoneRequest = z.input<typeof WorkItemDoneRequestSchema>;

export const WorkItemCallbackResponseSchema = z.object({ item: WorkItemSchema, callId: IdSchema });
export type WorkItemCallbackResponse = z.infer<typeof WorkItemCallbackResponseSchema>;

/** What happened to an item, on the live event. */
export const WorkItemChangeSchema = WorkItemActionSchema;
