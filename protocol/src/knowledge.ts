// Clinic documents the assistant answers from.
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, text } from './common.js';

export const KNOWLEDGE_MAX_BYTES = 10 * 1024 * 1024;
export const KNOWLEDGE_MIME_TYPES = ['text/plain', 'text/markdown', 'application/pdf'] as const;
export const KNOWLEDGE_EXTENSIONS = ['.txt', '.md', '.markdown', '.pdf'] as const;

export const KnowledgeDocumentStatusSchema = z.enum(['processing', 'ready', 'failed']);
export type KnowledgeDocumentStatus = z.infer<typeof KnowledgeDocumentStatusSchema>;

export const KnowledgeDocumentSchema = z.object({
  id: IdSchema,
  filename: text(),
  mimeType: z.enum(KNOWLEDGE_MIME_TYPES),
  sizeBytes: z.number().int().nonnegative(),
  status: KnowledgeDocumentStatusSchema,
  /** Readable reason when processing failed. */
  statusMessage: text().nullable(),
  createdAt: IsoDateTimeSchema,
});
export type KnowledgeDocument = z.infer<typeof KnowledgeDocumentSchema>;

export const KnowledgeListResponseSchema = z.object({ items: z.array(KnowledgeDocumentSchema) });
export type KnowledgeListResponse = z.infer<typeof KnowledgeListResponseSchema>;
export const KnowledgeUploadResponseSchema = z.object({ document: KnowledgeDocumentSchema });
