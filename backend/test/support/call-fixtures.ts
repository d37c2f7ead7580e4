// Rows of call history for integration tests (calls, patients, bookings), written straight to the
// database so a test states exactly the history it needs.
import type { Db } from '../../src/db/database.js';
import type { BookingsTable, CallsTable } from '../../src/db/schema.js';
import type { Insertable } from 'kysely';

export async function insertPatient(db: Db, clinicId: string, name: string, phone: string): Promise<string> {
  const row = await db.insertInto('patients').values({ clinic_id: clinicId, name, phone }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function insertCall(
  db: Db,
  clinicId: string,
  fields: Partial<Omit<Insertable<CallsTable>, 'clinic_id'>> = {},
): Promise<string> {
  const row = await db
    .insertInto('calls')
    .values({
      clinic_id: clinicId,
      direction: 'inbound',
      status: 'ended',
      caller_number: '+447911123456',
      outcome: 'answered',
      duration_seconds: 60,
      ...fields,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertBooking(
  db: Db,
  clinicId: string,
  fields: Partial<Omit<Insertable<BookingsTable>, 'clinic_id'>> & { starts_at: Date; ends_at: Date },
): Promise<string> {
  const row = await db
    .insertInto('bookings')
    .values({
      clinic_id: clinicId,
      call_id: null,
      patient_id: null,
      patient_name: 'Test Patient',
      patient_phone: null,
      service: null,
      notes: null,
      idempotency_key: null,
      ...fields,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
