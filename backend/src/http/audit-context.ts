// Who and where an audited request comes from: the verified principal, the app installation it
// names (INSTANCE_HEADER, recorded only) and the client's address.
import type { Request } from 'express';
import { INSTANCE_HEADER } from '@voxanne/protocol';
import type { AuditOrigin, AuditRecord } from '../audit/audit-log.js';
import { principalOf } from '../auth/middleware.js';

const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function originOf(req: Request): AuditOrigin {
  const instance = req.get(INSTANCE_HEADER);
  return {
    instanceId: instance && INSTANCE_ID.test(instance) ? instance : null,
    address: (req.ip ?? req.socket.remoteAddress ?? null)?.slice(0, 64) ?? null,
  };
}

/** The clinic, actor and origin of an authenticated request's audit entry. */
export function auditBy(req: Request): Pick<AuditRecord, 'clinicId' | 'actor' | 'origin'> {
  const principal = principalOf(req);
  return { clinicId: principal.clinicId, actor: { staffId: principal.staffId, role: principal.role }, origin: originOf(req) };
}
