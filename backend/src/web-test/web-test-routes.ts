// GET /api/web-test/diagnostics: is the web-test audio bridge ready, in which audio format,
// and which of the caller's clinic's web tests are running on this instance (only its own: neither
// listed nor counted are other clinics').
import { Router } from 'express';
import { principalOf } from '../auth/middleware.js';
import type { WebTestBridge } from './web-test-bridge.js';

export function webTestRoutes(bridge: WebTestBridge): Router {
  const router = Router();
  router.get('/web-test/diagnostics', (req, res) => {
    res.json(bridge.diagnostics(principalOf(req).clinicId));
  });
  return router;
}
