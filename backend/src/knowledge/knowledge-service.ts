// The clinic's knowledge base: an upload is stored at once (status `processing`); its text is read in
// the background (PDFs in a worker thread, pdf-text.ts: reading is never on the request path or the
// main thread) and pushed to the voice platform (→ `ready`), or the document says why not (`failed`,
// with a readable statusMessage). The text goes up as a file, the clinic's query tool is pointed at
// all its files, and the assistant gets that tool.
//
// Provider changes of one clinic run one after another (in this process), so two uploads at once
// never create two query tools.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Selectable } from 'kysely';
import type { KnowledgeDocument } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { KnowledgeDocumentsTable } from '../db/schema.js';
import type { Logger } from '../logging/logger.js';
import { AppError } from '../errors.js';
import { getAgent, updateAgent, type AgentServiceDeps } from '../agent/agent-service.js';
import { ProviderRequestError, type VapiClient } from '../telephony/vapi-client.js';
import type { VapiAssistantSync } from '../telephony/vapi-assistant-sync.js';
import { detectDocumentType, documentText, type KnowledgeMimeType } from './document-text.js';
import { PdfReader } from './pdf-text.js';

export interface KnowledgeDeps {
  db: Db;
  logger: Logger;
  vapi: VapiClient;
  assistantSync: VapiAssistantSync;
  agents: AgentServiceDeps;
  /** Reads PDFs off the main thread; default: one worker at a time with the product's limits. */
  pdf?: PdfReader;
}

/**
 * A document still `processing` after this long was abandoned by a process that stopped (reading
 * times out after 30 s, a short queue waits before it): it is marked failed so the page stops waiting.
 */
const ABANDONED_AFTER_MINUTES = 15;

export const QUERY_TOOL_NAME = 'clinic_knowledge';

export function toKnowledgeDocument(row: Selectable<KnowledgeDocumentsTable>): KnowledgeDocument {
  return {
    id: row.id,
    filename: row.filename,
    mimeType: row.mime_type,
    sizeBytes: row.size_bytes,
    status: row.status,
    statusMessage: row.status_message,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * The name shown to staff: the last path segment, without control characters (C0, C1, DEL), Unicode
 * format characters (bidi overrides and isolates that make "invoice\u202Efdp.exe" read as
 * "invoiceexe.pdf", zero-width joiners, BOMs), line separators and lone surrogates.
 */
export function safeFilename(name: string): string {
  const base = path
    .basename(name.replaceAll('\\', '/'))
    .replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, '')
    .trim();
  return [...(base || 'document')].slice(0, 200).join('');
}

export class KnowledgeBase {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly pdf: PdfReader;

  constructor(private readonly deps: KnowledgeDeps) {
    this.pdf = deps.pdf ?? new PdfReader();
  }

  async list(clinicId: string): Promise<KnowledgeDocument[]> {
    await this.deps.db
      .updateTable('knowledge_documents')
      .set({
        status: 'failed',
        status_message: 'Processing was interrupted (the service restarted). Delete the document and upload it again.',
        updated_at: new Date(),
      })
      .where('clinic_id', '=', clinicId)
      .where('status', '=', 'processing')
      .where('updated_at', '<', new Date(Date.now() - ABANDONED_AFTER_MINUTES * 60_000))
      .execute();
    const rows = await this.deps.db
      .selectFrom('knowledge_documents')
      .selectAll()
      .where('clinic_id', '=', clinicId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toKnowledgeDocument);
  }

  /** Stores the document as `processing` and starts reading it and pushing it to the provider. */
  async upload(clinicId: string, file: { originalname: string; buffer: Buffer }): Promise<KnowledgeDocument> {
    const filename = safeFilename(file.originalname);
    if (file.buffer.length === 0) throw new AppError('validation_failed', 'The file is empty.', [{ path: 'file', message: 'empty' }]);
    const mimeType = detectDocumentType(filename, file.buffer);
    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    const duplicate = await this.deps.db
      .selectFrom('knowledge_documents')
      .select('filename')
      .where('clinic_id', '=', clinicId)
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    if (duplicate) throw new AppError('conflict', `This document is already in the knowledge base (as ${duplicate.filename}).`);

    const row = await this.deps.db
      .insertInto('knowledge_documents')
      .values({
        clinic_id: clinicId,
        filename,
        mime_type: mimeType,
        size_bytes: file.buffer.length,
        sha256,
        content_text: null,
        status: 'processing',
        status_message: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.track(this.process(clinicId, row.id, mimeType, file.buffer));
    return toKnowledgeDocument(row);
  }

  /** Reads the document's text (off the request path), then pushes it; a failure is the document's status. */
  private async process(clinicId: string, documentId: string, mimeType: KnowledgeMimeType, bytes: Buffer): Promise<void> {
    let text: string;
    try {
      text = await documentText(mimeType, bytes, this.pdf);
    } catch (error) {
      if (!(error instanceof AppError)) this.deps.logger.warn({ err: error, clinicId, documentId }, 'knowledge document not read');
      await this.fail(documentId, error instanceof AppError ? error.message : 'This document could not be read.');
      return;
    }
    if (text.trim() === '') {
      await this.fail(documentId, 'No text could be read from this document (a scanned PDF has none).');
      return;
    }
    const stored = await this.deps.db
      .updateTable('knowledge_documents')
      .set({ content_text: text, updated_at: new Date() })
      .where('id', '=', documentId)
      .where('status', '=', 'processing')
      .executeTakeFirst();
    if (Number(stored.numUpdatedRows) === 0) return; // deleted meanwhile
    await this.serial(clinicId, () => this.push(clinicId, documentId));
  }

  private async fail(documentId: string, message: string): Promise<void> {
    await this.deps.db
      .updateTable('knowledge_documents')
      .set({ status: 'failed', status_message: message, updated_at: new Date() })
      .where('id', '=', documentId)
      .execute();
  }

  async remove(clinicId: string, id: string): Promise<void> {
    const row = await this.deps.db
      .selectFrom('knowledge_documents')
      .selectAll()
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .executeTakeFirst();
    if (!row) throw AppError.notFound('Document');
    await this.serial(clinicId, async () => {
      if (row.provider_file_id) {
        // The assistant must stop answering from it first, then the file goes.
        await this.syncTool(clinicId, row.id);
        await this.deps.vapi.deleteFile(row.provider_file_id).catch((error: unknown) => {
          if (!(error instanceof ProviderRequestError && error.providerStatus === 404)) throw error;
        });
      }
      await this.deps.db.deleteFrom('knowledge_documents').where('id', '=', id).where('clinic_id', '=', clinicId).execute();
    });
  }

  /** Waits for background provider work (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  private serial<T>(clinicId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(clinicId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.queues.set(clinicId, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.queues.get(clinicId) === next) this.queues.delete(clinicId);
      });
    return next;
  }

  private async push(clinicId: string, documentId: string): Promise<void> {
    const { db } = this.deps;
    try {
      const doc = await db.selectFrom('knowledge_documents').selectAll().where('id', '=', documentId).executeTakeFirst();
      if (!doc) return; // deleted meanwhile
      const name = `${doc.filename.replace(/\.[^.]+$/, '')}.txt`;
      const file = await this.deps.vapi.uploadFile({ name, bytes: Buffer.from(doc.content_text ?? '', 'utf8'), mimeType: 'text/plain' });
      await db
        .updateTable('knowledge_documents')
        .set({ provider_file_id: file.id, updated_at: new Date() })
        .where('id', '=', documentId)
        .execute();
      await this.syncTool(clinicId);
      await db
        .updateTable('knowledge_documents')
        .set({ status: 'ready', status_message: null, updated_at: new Date() })
        .where('id', '=', documentId)
        .execute();
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'The document could not be sent to the voice platform.';
      this.deps.logger.warn({ err: error, clinicId, documentId }, 'knowledge document push failed');
      await db
        .updateTable('knowledge_documents')
        .set({ status: 'failed', status_message: message, updated_at: new Date() })
        .where('id', '=', documentId)
        .execute();
    }
  }

  /**
   * Points the clinic's query tool at its uploaded files (all but `excluding`), creating the tool and
   * giving it to the assistant the first time, deleting it when no file is left.
   */
  private async syncTool(clinicId: string, excluding?: string): Promise<void> {
    const { db, vapi } = this.deps;
    let files = db
      .selectFrom('knowledge_documents')
      .select('provider_file_id')
      .where('clinic_id', '=', clinicId)
      .where('provider_file_id', 'is not', null);
    if (excluding) files = files.where('id', '<>', excluding);
    const fileIds = (await files.orderBy('created_at').execute()).map((r) => r.provider_file_id!);
    const existing = await db.selectFrom('knowledge_tools').select('provider_tool_id').where('clinic_id', '=', clinicId).executeTakeFirst();
    const knowledgeBases = [
      {
        provider: 'google',
        name: 'clinic-documents',
        description: 'The clinic’s own documents: services, prices, policies, directions, opening times.',
        fileIds,
      },
    ];

    if (fileIds.length === 0) {
      if (!existing) return;
      await db.deleteFrom('knowledge_tools').where('clinic_id', '=', clinicId).execute();
      await this.resyncAssistant(clinicId);
      await vapi.deleteTool(existing.provider_tool_id).catch(() => undefined);
      return;
    }
    if (existing) {
      await vapi.updateTool(existing.provider_tool_id, { knowledgeBases });
      return;
    }
    const tool = await vapi.createTool({
      type: 'query',
      function: { name: QUERY_TOOL_NAME, description: 'Searches the clinic’s documents to answer callers’ questions.' },
      knowledgeBases,
    });
    await db.insertInto('knowledge_tools').values({ clinic_id: clinicId, provider_tool_id: tool.id }).execute();
    await this.resyncAssistant(clinicId);
  }

  /** The assistant's tool list changed: push it (creating the assistant through the agent service if needed). */
  private async resyncAssistant(clinicId: string): Promise<void> {
    const agent = await getAgent(this.deps.db, clinicId);
    if (agent.providerAssistantId) {
      const id = await this.deps.assistantSync.push(clinicId, agent.personality, agent.providerAssistantId);
      if (id === agent.providerAssistantId) return;
      // The platform had lost it and a new one was made: record it through the agent service.
    }
    const synced = await updateAgent(this.deps.agents, clinicId, agent.personality);
    if (synced.sync.status === 'failed') throw new AppError('provider_error', synced.sync.message ?? 'The assistant could not be updated.');
  }
}
