// GET /api/agent (the clinic's assistant personality and sync state) and PUT /api/agent (save + sync).
// Everyone at the clinic sees the assistant; only an administrator changes what it says and where it
// transfers callers.
import { Router } from 'express';
import { AgentUpdateRequestSchema, type AgentResponse } from '@voxanne/protocol';
import { principalOf, requireRole } from '../auth/middleware.js';
import { parseBody } from '../http/validate.js';
import { changedFields, maskedNumber, type AuditAppender } from '../audit/audit-log.js';
import { auditBy } from '../http/audit-context.js';
import { getAgent, updateAgent, type AgentServiceDeps } from './agent-service.js';

export function agentRoutes(deps: AgentServiceDeps & { audit: AuditAppender }): Router {
  const router = Router();
  router.get('/agent', async (req, res) => {
    const body: AgentResponse = await getAgent(deps.db, principalOf(req).clinicId);
    res.json(body);
  });
  router.put('/agent', requireRole('admin', 'Only a clinic administrator can change the assistant.'), async (req, res) => {
    const { personality } = parseBody(AgentUpdateRequestSchema, req);
    const clinicId = principalOf(req).clinicId;
    const before = await getAgent(deps.db, clinicId);
    const body: AgentResponse = await updateAgent(deps, clinicId, personality);
    await deps.audit({
      ...auditBy(req),
      action: 'assistant.updated',
      object: { type: 'assistant', id: clinicId },
      details: { changes: changedFields(before.personality, body.personality, { transferNumber: maskedNumber }) },
    });
    res.json(body);
  });
  return router;
}
