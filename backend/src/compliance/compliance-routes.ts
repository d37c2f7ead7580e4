// GET/PUT /api/clinic/settings (retention periods, transcript redaction: everyone reads, an
// administrator changes) and DELETE /api/patients/:id (erasing a patient on request, administrators
// only). Every change goes into the audit log. Switching redaction re-syncs the clinic's assistant.
import { Router } from 'express';
import { ClinicSettingsUpdateSchema, type ClinicSettingsResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { principalOf, requireRole } from '../auth/middleware.js';
import { parseBody, parseIdParam } from '../http/validate.js';
import { auditBy } from '../http/audit-context.js';
import { changedFields, type AuditAppender } from '../audit/audit-log.js';
import { getClinicSettings, updateClinicSettings } from './clinic-settings.js';
import { erasePatient } from './patient-erasure.js';
import { resyncAssistant, type AgentServiceDeps } from '../agent/agent-service.js';

export function complianceRoutes(deps: { db: Db; audit: AuditAppender; agents: AgentServiceDeps }): Router {
  const router = Router();

  router.get('/clinic/settings', async (req, res) => {
    const body: ClinicSettingsResponse = { settings: await getClinicSettings(deps.db, principalOf(req).clinicId) };
    res.json(body);
  });

  router.put(
    '/clinic/settings',
    requireRole('admin', 'Only a clinic administrator can change the clinic’s settings.'),
    async (req, res) => {
      const update = parseBody(ClinicSettingsUpdateSchema, req);
      const clinicId = principalOf(req).clinicId;
      const { before, after } = await updateClinicSettings(deps.db, clinicId, update);
      const changes = changedFields(before, after);
      if (Object.keys(changes).length) {
        await deps.audit({ ...auditBy(req), action: 'settings.updated', object: { type: 'clinic', id: clinicId }, details: { changes } });
      }
      // The assistant runs in the platform's HIPAA mode exactly when transcripts are stored redacted.
      if (before.storeTranscriptsRedacted !== after.storeTranscriptsRedacted) await resyncAssistant(deps.agents, clinicId);
      const body: ClinicSettingsResponse = { settings: after };
      res.json(body);
    },
  );

  router.delete('/patients/:id', requireRole('admin', 'Only a clinic administrator can erase a patient.'), async (req, res) => {
    const patientId = parseIdParam(req, 'Patient');
    const counts = await erasePatient(deps.db, principalOf(req).clinicId, patientId);
    await deps.audit({ ...auditBy(req), action: 'patient.erased', object: { type: 'patient', id: patientId }, details: { ...counts } });
    res.status(204).end();
  });

  return router;
}
