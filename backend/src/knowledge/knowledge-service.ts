// The clinic's knowledge base: documents are stored with their text, then pushed to the voice
// platform in the background (status processing → ready | failed): the text goes up as a file, the
// clinic's query tool is pointed at all its files, and the assistant gets that tool.
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
import { detectDocumentType, documentText } from './document-text.js';

export interface KnowledgeDeps {
  db: Db;
  logger: Logger;
  vapi: VapiClient;
  assistantSync: VapiAssistantSync;
  agents: AgentServiceDeps;
}

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

function safeFilename(name: string): string {
  const base = [...path.basename(name)]
    .map((c) => (c.charCodeAt(0) < 0x20 || c === '\u007f' || c === '\\' ? '_' : c))
    .join('')
    .trim();
  return (base || 'document').slice(0, 200);
}

export class KnowledgeBase {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: KnowledgeDeps) {}

  async list(clinicId: string): Promise<KnowledgeDocument[]> {
    const rows = await this.deps.db
      .selectFrom('knowledge_documents')
      .selectAll()
      .where('clinic_id', '=', clinicId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toKnowledgeDocument);
  }

  /** Stores the document (text extracted) and starts pushing it to the provider. */
  async upload(clinicId: string, file: { originalname: string; buffer: Buffer }): Promise<KnowledgeDocument> {
    const filename = safeFilename(file.originalname);
    if (file.buffer.length === 0) throw new AppError('validation_failed', 'The file is empty.', [{ path: 'file', message: 'empty' }]);
    const mimeType = detectDocumentType(filename, file.buffer);
    const text = await documentText(mimeType, file.buffer);
    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    const duplicate = await this.deps.db
      .selectFrom('knowledge_documents')
      .select('filename')
      .where('clinic_id', '=', clinicId)
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    if (duplicate) throw new AppError('conflict', `This document is already in the knowledge base (as ${duplicate.filename}).`);

    const empty = text.trim() === '';
    const row = await this.deps.db
      .insertInto('knowledge_documents')
      .values({
        clinic_id: clinicId,
        filename,
        mime_type: mimeType,
        size_bytes: file.buffer.length,
        sha256,
        content_text: text,
        status: empty ? 'failed' : 'processing',
        status_message: empty ? 'No text could be read from this document (a scanned PDF has none).' : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (!empty) this.track(this.serial(clinicId, () => this.push(clinicId, row.id)));
    return toKnowledgeDocument(row);
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
