// GET /api/phone-numbers lists the clinic's inbound numbers; POST connects a Twilio number; DELETE
// disconnects one. Connecting and disconnecting are an administrator's job.
import { Router } from 'express';
import { ConnectPhoneNumberRequestSchema } from '@voxanne/protocol';
import { principalOf, requireRole } from '../auth/middleware.js';
import { parseBody, parseIdParam } from '../http/validate.js';
import { connectPhoneNumber, disconnectPhoneNumber, listPhoneNumbers, type PhoneNumberDeps } from './phone-number-service.js';

export function phoneNumberRoutes(deps: PhoneNumberDeps): Router {
  const router = Router();
  router.get('/phone-numbers', async (req, res) => {
    res.json({ items: await listPhoneNumbers(deps.db, principalOf(req).clinicId) });
  });
  router.post('/phone-numbers', requireRole('admin'), async (req, res) => {
    const body = parseBody(ConnectPhoneNumberRequestSchema, req);
    res.status(201).json({ phoneNumber: await connectPhoneNumber(deps, principalOf(req).clinicId, body) });
  });
  router.delete('/phone-numbers/:id', requireRole('admin'), async (req, res) => {
    await disconnectPhoneNumber(deps, principalOf(req).clinicId, parseIdParam(req, 'Phone number'));
    res.status(204).end();
  });
  return router;
}
