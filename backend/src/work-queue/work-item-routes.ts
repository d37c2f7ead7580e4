// /api/work-items: the clinic's shared work queue (list, one item with its history, claim, release,
// done, reopen, and the assistant's call-back). The clinic is the token's; another clinic's id is 404.
import { Router, type RequestHandler } from 'express';
import {
  WorkItemClaimRequestSchema,
  WorkItemDoneRequestSchema,
  WorkItemListQuerySchema,
  type WorkItemCallbackResponse,
  type WorkItemResponse,
} from '@voxanne/protocol';
import { principalOf } from '../auth/middleware.js';
import type { AuditAppender } from '../audit/audit-log.js';
import { auditBy } from '../http/audit-context.js';
import { parseBody, parseIdParam, parseQuery } from '../http/validate.js';
import {
  callBackWorkItem,
  claimWorkItem,
  completeWorkItem,
  getWorkItem,
  listWorkItems,
  releaseWorkItem,
  reopenWorkItem,
  type Actor,
  type WorkQueueDeps,
} from './work-queue-service.js';

const actorOf = (req: Parameters<typeof principalOf>[0]): Actor => {
  const { clinicId, staffId } = principalOf(req);
  return { clinicId, staffId };
};

/** `callbackLimiter`: per staff member, as for test calls (each call-back rings a phone and costs money). */
/** `audit`: closing and reopening an item (its outcome) go in the clinic's activity log. */
export function workItemRoutes(deps: WorkQueueDeps & { callbackLimiter: RequestHandler; audit: AuditAppender }): Router {
  const router = Router();
  const id = (req: Parameters<typeof parseIdParam>[0]) => parseIdParam(req, 'Work item');
  const reply = (item: WorkItemResponse['item']): WorkItemResponse => ({ item });

  router.get('/work-items', async (req, res) => {
    res.json(await listWorkItems(deps.db, principalOf(req).clinicId, parseQuery(WorkItemListQuerySchema, req)));
  });
  router.get('/work-items/:id', async (req, res) => {
    res.json(await getWorkItem(deps.db, principalOf(req).clinicId, id(req)));
  });
  router.post('/work-items/:id/claim', async (req, res) => {
    const itemId = id(req);
    const body = parseBody(WorkItemClaimRequestSchema, req);
    res.json(reply(await claimWorkItem(deps, actorOf(req), itemId, body.takeOver)));
  });
  router.post('/work-items/:id/release', async (req, res) => {
    res.json(reply(await releaseWorkItem(deps, actorOf(req), id(req))));
  });
  router.post('/work-items/:id/done', async (req, res) => {
    const itemId = id(req);
    const body = parseBody(WorkItemDoneRequestSchema, req);
    const item = await completeWorkItem(deps, actorOf(req), itemId, body);
    await deps.audit({
      ...auditBy(req),
      action: 'work_item.done',
      object: { type: 'work_item', id: itemId },
      details: { outcome: body.outcome },
    });
    res.json(reply(item));
  });
  router.post('/work-items/:id/reopen', async (req, res) => {
    const itemId = id(req);
    const item = await reopenWorkItem(deps, actorOf(req), itemId);
    await deps.audit({ ...auditBy(req), action: 'work_item.reopened', object: { type: 'work_item', id: itemId } });
    res.json(reply(item));
  });
  router.post('/work-items/:id/callback', deps.callbackLimiter, async (req, res) => {
    const body: WorkItemCallbackResponse = await callBackWorkItem(deps, actorOf(req), id(req));
    res.status(202).json(body);
  });
  return router;
}
