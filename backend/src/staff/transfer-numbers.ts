// A staff member's own number for taking calls: "Take call" puts the caller through to it when it is
// set, otherwise to the clinic's transfer number (call-control/live-call-control.ts). Stored E.164 on
// the staff row; read and set by the staff member themselves, or by an administrator of their clinic.
// Another clinic's staff member does not exist here (404).
import type { TransferNumberResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors.js';

async function staffOfClinic(db: Db, principal: Principal, staffId: string): Promise<{ transfer_number: string | null }> {
  const row = await db
    .selectFrom('staff')
    .select('transfer_number')
    .where('id', '=', staffId)
    .where('clinic_id', '=', principal.clinicId)
    .executeTakeFirst();
  if (!row) throw AppError.notFound('Staff member');
  if (staffId !== principal.staffId && principal.role !== 'admin') {
    throw new AppError('forbidden', 'You can set only your own number for taking calls.');
  }
  return row;
}

export async function getTransferNumber(db: Db, principal: Principal, staffId: string): Promise<TransferNumberResponse> {
  const row = await staffOfClinic(db, principal, staffId);
  return { staffId, transferNumber: row.transfer_number };
}

/** Sets (E.164, already normalised by the route's schema) or clears it; answers what it was and is. */
export async function setTransferNumber(
  db: Db,
  principal: Principal,
  staffId: string,
  e164: string | null,
): Promise<{ before: string | null; after: TransferNumberResponse }> {
  const row = await staffOfClinic(db, principal, staffId);
  await db
    .updateTable('staff')
    .set({ transfer_number: e164 })
    .where('id', '=', staffId)
    .where('clinic_id', '=', principal.clinicId)
    .execute();
  return { before: row.transfer_number, after: { staffId, transferNumber: e164 } };
}
