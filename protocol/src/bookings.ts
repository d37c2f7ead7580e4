// Appointments the assistant (or the front desk) made.
import { z } from 'zod';
import { IdSchema, IsoDateSchema, IsoDateTimeSchema, text } from './common.js';

export const BookingStatusSchema = z.enum(['pending', 'confirmed', 'cancelled']);
export type BookingStatus = z.infer<typeof BookingStatusSchema>;

export const BookingSchema = z.object({
  id: IdSchema,
  callId: IdSchema.nullable(),
  patientName: text(),
  /** E.164 */
  patientPhone: text().nullable(),
  /** The number the patient gave when it is not a valid phone number (kept, unverified); null otherwise, absent from older servers. */
  patientPhoneRaw: text().nullable().optional(),
  service: text().nullable(),
  startsAt: IsoDateTimeSchema,
  endsAt: IsoDateTimeSchema,
  status: BookingStatusSchema,
  notes: text().nullable(),
  /**
   * Why staff should look at this booking before relying on it (e.g. the name the caller gave is not
   * the name on file for their number); null when nothing needs review.
   */
  reviewReason: text().nullable().default(null),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type Booking = z.infer<typeof BookingSchema>;

export const BookingListQuerySchema = z.strictObject({
  /** Inclusive calendar days in the clinic's time zone; both default to today. */
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
  status: BookingStatusSchema.optional(),
});
export type BookingListQuery = z.infer<typeof BookingListQuerySchema>;

export const BookingListResponseSchema = z.object({ items: z.array(BookingSchema) });
export type BookingListResponse = z.infer<typeof BookingListResponseSchema>;

export const BookingPatchSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('confirm') }),
  z.strictObject({ action: z.literal('cancel') }),
  z.strictObject({
    action: z.literal('reschedule'),
    startsAt: IsoDateTimeSchema,
    /** Defaults to the booking's current length. */
    endsAt: IsoDateTimeSchema.optional(),
  }),
]);
export type BookingPatch = z.infer<typeof BookingPatchSchema>;

export const BookingResponseSchema = z.object({ booking: BookingSchema });
