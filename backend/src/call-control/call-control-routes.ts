// POST /api/calls/:id/{coach,say,transfer,end,listen}: staff's live control of a call in progress.
// Any staff member of the clinic (front desk and admin); rate limited per staff member by `limiter`.
import { Router, type RequestHandler } from 'express';
import { CoachRequestSchema, SayRequestSchema, TransferRequestSchema, type CallAction, type ListenTicketResponse } from '@voxanne/protocol';
import { principalOf } from '../auth/middleware.js';
import { parseBody, parseIdParam } from '../http/validate.js';
import type { LiveCallControl } from './live-call-control.js';
import type { AuditAppender } from '../audit/audit-log.js';
import { auditBy } from '../http/audit-context.js';

export interface CallControlRouteDeps {
  control: LiveCallControl;
  /** Issues a listen ticket for a live call (the listen hub). */
  listen?: (principal: ReturnType<typeof principalOf>, callId: string) => Promise<ListenTicketResponse>;
  limiter: RequestHandler;
  /** Every action on a live call goes in the clinic's activity log (the text itself stays on the call). */
  audit: AuditAppender;
}

export function callControlRoutes(deps: CallControlRouteDeps): Router {
  const router = Router();
  const { control, limiter } = deps;
  router.post('/calls/:id/coach', limiter, async (req, res) => {
    const id = parseIdParam(req, 'Call');
    const body = parseBody(CoachRequestSchema, req);
    const action: CallAction = await control.coach(principalOf(req), id, body.text);
    await deps.audit({ ...auditBy(req), action: 'call.coached', object: { type: 'call', id } });
    res.json(action);
  });
  router.post('/calls/:id/say', limiter, async (req, res) => {
    const id = parseIdParam(req, 'Call');
    const body = parseBody(SayRequestSchema, req);
    const action: CallAction = await control.say(principalOf(req), id, body.text);
    await deps.audit({ ...auditBy(req), action: 'call.said', object: { type: 'call', id } });
    res.json(action);
  });
  router.post('/calls/:id/transfer', limiter, async (req, res) => {
    const id = parseIdParam(req, 'Call');
    const body = parseBody(TransferRequestSchema, req);
    const action: CallAction = await control.transfer(principalOf(req), id, body.to);
    await deps.audit({ ...auditBy(req), action: 'call.transferred', object: { type: 'call', id } });
    res.json(action);
  });
  router.post('/calls/:id/end', limiter, async (req, res) => {
    const id = parseIdParam(req, 'Call');
    const action: CallAction = await control.end(principalOf(req), id);
    await deps.audit({ ...auditBy(req), action: 'call.ended', object: { type: 'call', id } });
    res.json(action);
  });
  const listen = deps.listen;
  if (listen) {
    router.post('/calls/:id/listen', limiter, async (req, res) => {
      const id = parseIdParam(req, 'Call');
      const ticket = await listen(principalOf(req), id);
      await deps.audit({ ...auditBy(req), action: 'call.listened', object: { type: 'call', id } });
      res.status(201).json(ticket);
    });
  }
  return router;
}
