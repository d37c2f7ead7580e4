// POST /api/test-calls/phone: "Call my phone". Answers 202 {callId} at once; the call then shows up in
// every console through the normal webhook path.
import { Router, type RequestHandler } from 'express';
import { PhoneTestCallRequestSchema } from '@voxanne/protocol';
import { principalOf } from '../auth/middleware.js';
import { parseBody } from '../http/validate.js';
import { startPhoneTestCall, type TestCallDeps } from './phone-test-call-service.js';

/** `limiter`: per staff member (e.g. 3 a minute). */
export function testCallRoutes(deps: TestCallDeps & { limiter: RequestHandler }): Router {
  const router = Router();
  router.post('/test-calls/phone', deps.limiter, async (req, res) => {
    const body = parseBody(PhoneTestCallRequestSchema, req);
    res.status(202).json(await startPhoneTestCall(deps, principalOf(req).clinicId, body.phoneNumber));
  });
  return router;
}
