// GET /api/phone-numbers lists the clinic's inbound numbers; POST connects a Twilio number; DELETE
// disconnects one. Connecting and disconnecting are an administrator's job.
import { Router } from 'express';
import { ConnectPhoneNumberRequestSchema } from '@voxanne/protocol';
import { principalOf, requireRole } from '../auth/middleware.js';
import { parseBody, parseIdParam } from '../http/validate.js';
import { maskedNumber, type AuditAppender } from '../audit/audit-log.js';
import { auditBy } from '../http/audit-context.js';
import { connectPhoneNumber, disconnectPhoneNumber, listPhoneNumbers, type PhoneNumberDeps } from './phone-number-service.js';

export function phoneNumberRoutes(deps: PhoneNumberDeps & { audit: AuditAppender }): Router {
  const router = Router();
  router.get('/phone-numbers', async (req, res) => {
    res.json({ items: await listPhoneNumbers(deps.db, principalOf(req).clinicId) });
  });
  router.post('/phone-numbers', requireRole('admin'), async (req, res) => {
    const body = parseBody(ConnectPhoneNumberRequestSchema, req);
    const phoneNumber = await connectPhoneNumber(deps, principalOf(req).clinicId, body);
    await deps.audit({
      ...auditBy(req),
      action: 'phone_number.connected',
      object: { type: 'phone_number', id: phoneNumber.id },
      details: { number: maskedNumber(phoneNumber.number) },
    });
    res.status(201).json({ phoneNumber });
  });
  router.delete('/phone-numbers/:id', requireRole('admin'), async (req, res) => {
    const id = parseIdParam(req, 'Phone number');
    await disconnectPhoneNumber(deps, principalOf(req).clinicId, id);
    await deps.audit({ ...auditBy(req), action: 'phone_number.disconnected', object: { type: 'phone_number', id } });
    res.status(204).end();
  });
  return router;
}
