// GET/POST/DELETE /api/knowledge-base. Uploads are multipart/form-data with one `file` field,
// held in memory up to KNOWLEDGE_MAX_BYTES, rate limited per staff member; what the file is gets
// decided from its bytes, and its text is read in the background (201 with status `processing`).
// Everyone at the clinic sees the documents; only an administrator adds or deletes them (the
// assistant answers callers from them).
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { principalOf, requireRole } from '../auth/middleware.js';
import { AppError } from '../errors.js';
import { parseIdParam } from '../http/validate.js';
import type { AuditAppender } from '../audit/audit-log.js';
import { auditBy } from '../http/audit-context.js';
import type { KnowledgeBase } from './knowledge-service.js';

export function knowledgeRoutes(deps: {
  knowledge: KnowledgeBase;
  maxBytes: number;
  /** Uploads per staff member: each one is read in a worker thread. Checked before the body is read. */
  limiter: RequestHandler;
  audit: AuditAppender;
}): Router {
  const router = Router();
  // defParamCharset: browsers and undici send the file name as raw UTF-8 (multer's default, latin1,
  // turns "Préis.pdf" into "PrÃ©is.pdf").
  const upload = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: deps.maxBytes, files: 1, fields: 5, parts: 6 },
  });
  const singleFile: RequestHandler = (req, res, next) => {
    upload.single('file')(req, res, (error: unknown) => {
      if (!error) return next();
      if (error instanceof multer.MulterError) {
        if (error.code === 'LIMIT_FILE_SIZE') {
          return next(new AppError('payload_too_large', `The file is larger than ${Math.floor(deps.maxBytes / (1024 * 1024))} MB.`));
        }
        return next(new AppError('validation_failed', `Upload one file in the "file" field (${error.message}).`));
      }
      return next(new AppError('bad_request', 'The upload could not be read as multipart/form-data.'));
    });
  };

  const adminOnly = requireRole('admin', 'Only a clinic administrator can change the knowledge base.');

  router.get('/knowledge-base', async (req, res) => {
    res.json({ items: await deps.knowledge.list(principalOf(req).clinicId) });
  });

  router.post('/knowledge-base', adminOnly, deps.limiter, singleFile, async (req, res) => {
    if (!req.file)
      throw new AppError('validation_failed', 'Attach the document in a "file" field.', [{ path: 'file', message: 'required' }]);
    const document = await deps.knowledge.upload(principalOf(req).clinicId, req.file);
    await deps.audit({
      ...auditBy(req),
      action: 'knowledge.uploaded',
      object: { type: 'knowledge_document', id: document.id },
      details: { filename: document.filename, sizeBytes: document.sizeBytes },
    });
    res.status(201).json({ document });
  });

  router.delete('/knowledge-base/:id', adminOnly, async (req, res) => {
    const id = parseIdParam(req, 'Document');
    await deps.knowledge.remove(principalOf(req).clinicId, id);
    await deps.audit({ ...auditBy(req), action: 'knowledge.deleted', object: { type: 'knowledge_document', id } });
    res.status(204).end();
  });

  return router;
}
