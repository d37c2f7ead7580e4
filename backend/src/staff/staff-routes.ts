// GET/POST /api/staff, PATCH /api/staff/:id, POST /api/staff/:id/reset-password and
// /api/staff/:id/sign-out-everywhere: the clinic's administrators manage its staff.
// GET/PUT /api/staff/:id/transfer-number: a staff member's own number for taking calls (their own,
// or anyone's in the clinic for an administrator). Every change goes into the audit log (never a
// password; numbers masked).
import { Router } from 'express';
import { StaffInviteRequestSchema, StaffUpdateRequestSchema, TransferNumberUpdateSchema, maskPhoneNumber } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { principalOf, requireRole } from '../auth/middleware.js';
import { parseBody, parseIdParam } from '../http/validate.js';
import { auditBy } from '../http/audit-context.js';
import { changedFields, type AuditAppender } from '../audit/audit-log.js';
import type { ScryptCost } from '../auth/passwords.js';
import { inviteStaff, listClinicStaff, resetStaffPassword, signOutStaffEverywhere, updateStaff } from './staff-service.js';
import { getTransferNumber, setTransferNumber } from './transfer-numbers.js';

export function staffRoutes(deps: {
  db: Db;
  audit: AuditAppender;
  authProvider: 'local' | 'supabase';
  passwordCost?: ScryptCost;
  /** Drops any cached "session alive" answers, so ended sessions stop working on this instance now. */
  forgetSessions: () => void;
}): Router {
  const router = Router();
  const adminOnly = requireRole('admin', 'Only a clinic administrator can manage staff.');

  router.get('/staff', adminOnly, async (req, res) => {
    res.json({ items: await listClinicStaff(deps.db, principalOf(req).clinicId) });
  });

  router.post('/staff', adminOnly, async (req, res) => {
    const body = parseBody(StaffInviteRequestSchema, req);
    const result = await inviteStaff(deps.db, principalOf(req).clinicId, body, {
      authProvider: deps.authProvider,
      passwordCost: deps.passwordCost,
    });
    await deps.audit({
      ...auditBy(req),
      action: 'staff.created',
      object: { type: 'staff', id: result.staff.id },
      details: { role: result.staff.role, authProvider: result.staff.authProvider },
    });
    res.status(201).json(result);
  });

  router.patch('/staff/:id', adminOnly, async (req, res) => {
    const staffId = parseIdParam(req, 'Staff member');
    const body = parseBody(StaffUpdateRequestSchema, req);
    const { before, after, revokedSessions } = await updateStaff(deps.db, principalOf(req).clinicId, staffId, body);
    if (revokedSessions > 0) deps.forgetSessions();
    const changes = changedFields({ role: before.role, disabled: before.disabled }, { role: after.role, disabled: after.disabled });
    if (Object.keys(changes).length) {
      await deps.audit({
        ...auditBy(req),
        action: 'staff.updated',
        object: { type: 'staff', id: staffId },
        details: { changes, revokedSessions },
      });
    }
    res.json({ staff: after });
  });

  router.post('/staff/:id/reset-password', adminOnly, async (req, res) => {
    const staffId = parseIdParam(req, 'Staff member');
    const result = await resetStaffPassword(deps.db, principalOf(req).clinicId, staffId, {
      authProvider: deps.authProvider,
      passwordCost: deps.passwordCost,
    });
    deps.forgetSessions();
    await deps.audit({
      ...auditBy(req),
      action: 'staff.password_reset',
      object: { type: 'staff', id: staffId },
      details: { revokedSessions: result.revokedSessions },
    });
    res.json(result);
  });

  router.post('/staff/:id/sign-out-everywhere', adminOnly, async (req, res) => {
    const staffId = parseIdParam(req, 'Staff member');
    const result = await signOutStaffEverywhere(deps.db, principalOf(req).clinicId, staffId, { authProvider: deps.authProvider });
    deps.forgetSessions();
    await deps.audit({
      ...auditBy(req),
      action: 'staff.signed_out_everywhere',
      object: { type: 'staff', id: staffId },
      details: { revokedSessions: result.revokedSessions },
    });
    res.json(result);
  });

  router.get('/staff/:id/transfer-number', async (req, res) => {
    res.json(await getTransferNumber(deps.db, principalOf(req), parseIdParam(req, 'Staff member')));
  });

  router.put('/staff/:id/transfer-number', async (req, res) => {
    const staffId = parseIdParam(req, 'Staff member');
    const body = parseBody(TransferNumberUpdateSchema, req);
    const { before, after } = await setTransferNumber(deps.db, principalOf(req), staffId, body.transferNumber);
    const changes = changedFields(
      { transferNumber: before },
      { transferNumber: after.transferNumber },
      { transferNumber: (n) => (typeof n === 'string' ? maskPhoneNumber(n) : null) },
    );
    if (Object.keys(changes).length) {
      await deps.audit({ ...auditBy(req), action: 'staff.updated', object: { type: 'staff', id: staffId }, details: { changes } });
    }
    res.json(after);
  });

  return router;
}
