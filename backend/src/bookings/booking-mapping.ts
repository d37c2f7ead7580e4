// Database rows → the protocol's Booking shape (REST responses and booking.* live events).
import type { Booking } from '@voxanne/protocol';
import type { BookingRow } from '../db/schema.js';

export function toBooking(row: BookingRow): Booking {
  return {
    id: row.id,
    callId: row.call_id,
    patientName: row.patient_name,
    patientPhone: row.patient_phone,
    patientPhoneRaw: row.patient_phone_raw,
    service: row.service,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    status: row.status,
    notes: row.notes,
    reviewReason: row.review_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
