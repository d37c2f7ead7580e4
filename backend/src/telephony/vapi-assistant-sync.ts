// AssistantSync against Vapi (or the sandbox): creates or updates the clinic's assistant from its
// personality, pointing the assistant's webhooks at this service with the configured authentication,
// and attaches a newly created assistant to the clinic's connected numbers.
import { createHash } from 'node:crypto';
import type { AgentPersonality } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { AssistantSync, AssistantSyncResult } from '../agent/assistant-sync.js';
import { AppError } from '../errors.js';
import { getClinicSettings } from '../compliance/clinic-settings.js';
import { assistantPayload } from './assistant-config.js';
import { ProviderRequestError, type VapiClient, type VapiServer } from './vapi-client.js';
import type { WebhookAuth } from './webhook-auth.js';

/**
 * Where Vapi sends this service's webhooks and how it proves itself: the `X-Vapi-Secret` header, or a
 * Vapi HMAC credential (looked up by a name derived from the secret, created when missing).
 */
export class WebhookServer {
  private credential: Promise<string> | undefined;

  constructor(
    private readonly options: {
      publicUrl: () => string;
      auth: WebhookAuth;
      client: VapiClient;
      /** VAPI_CREDENTIAL_ID: an existing credential to use instead of finding/creating one. */
      credentialId?: string;
    },
  ) {}

  get url(): string {
    return `${this.options.publicUrl()}/webhooks/vapi`;
  }

  async settings(): Promise<VapiServer> {
    const { auth } = this.options;
    if (auth.mode === 'secret') return { url: this.url, headers: { 'x-vapi-secret': auth.secret } };
    const credentialId =
      this.options.credentialId ??
      (await (this.credential ??= this.findOrCreateCredential().catch((error: unknown) => {
        this.credential = undefined;
        throw error;
      })));
    return { url: this.url, credentialId };
  }

  private async findOrCreateCredential(): Promise<string> {
    const { client, auth } = this.options;
    const name = `voxanne-webhooks-${createHash('sha256').update(auth.secret).digest('hex').slice(0, 12)}`;
    const existing = (await client.listCredentials()).find((c) => c.name === name);
    if (existing) return existing.id;
    const created = await client.createCredential({
      provider: 'webhook',
      name,
      authenticationPlan: {
        type: 'hmac',
        secretKey: auth.secret,
        algorithm: 'sha256',
        signatureHeader: 'x-signature',
        timestampHeader: 'x-timestamp',
        payloadFormat: '{timestamp}.{body}',
        signatureEncoding: 'hex',
      },
    });
    return created.id;
  }
}

export interface VapiAssistantSyncDeps {
  db: Db;
  client: VapiClient;
  webhookServer: WebhookServer;
  mode: 'vapi' | 'sandbox';
  model: { provider: string; model: string };
  logger: Logger;
}

export class VapiAssistantSync implements AssistantSync {
  constructor(private readonly deps: VapiAssistantSyncDeps) {}

  async sync(clinicId: string, personality: AgentPersonality, providerAssistantId: string | null): Promise<AssistantSyncResult> {
    try {
      const id = await this.push(clinicId, personality, providerAssistantId);
      return { status: this.deps.mode === 'sandbox' ? 'sandbox' : 'synced', message: null, providerAssistantId: id };
    } catch (error) {
      this.deps.logger.warn({ err: error, clinicId }, 'assistant sync failed');
      const message = error instanceof AppError ? error.message : 'The voice platform could not be reached. Try saving again.';
      return { status: 'failed', message, providerAssistantId };
    }
  }

  /** The clinic's assistant as the platform takes it (CreateAssistantDTO): saved, or sent transient for one call. */
  async payload(clinicId: string, personality: AgentPersonality): Promise<Record<string, unknown>> {
    const tool = await this.deps.db
      .selectFrom('knowledge_tools')
      .select('provider_tool_id')
      .where('clinic_id', '=', clinicId)
      .executeTakeFirst();
    const settings = await getClinicSettings(this.deps.db, clinicId);
    return assistantPayload(personality, {
      server: await this.deps.webhookServer.settings(),
      model: this.deps.model,
      knowledgeToolId: tool?.provider_tool_id ?? null,
      hipaaEnabled: settings.storeTranscriptsRedacted,
    });
  }

  /** Creates or updates the assistant; returns its provider id. */
  async push(clinicId: string, personality: AgentPersonality, providerAssistantId: string | null): Promise<string> {
    const { client } = this.deps;
    const body = await this.payload(clinicId, personality);
    if (providerAssistantId) {
      try {
        await client.updateAssistant(providerAssistantId, body);
        return providerAssistantId;
      } catch (error) {
        // Deleted on the platform (e.g. from Vapi's dashboard): make a new one below.
        if (!(error instanceof ProviderRequestError && error.providerStatus === 404)) throw error;
      }
    }
    const created = await client.createAssistant(body);
    await this.attachToNumbers(clinicId, created.id);
    return created.id;
  }

  /** Points the clinic's connected numbers at its (new) assistant so inbound calls reach it. */
  private async attachToNumbers(clinicId: string, assistantId: string): Promise<void> {
    const numbers = await this.deps.db
      .selectFrom('phone_numbers')
      .select(['id', 'provider_number_id'])
      .where('clinic_id', '=', clinicId)
      .where('provider_number_id', 'is not', null)
      .execute();
    for (const number of numbers) {
      try {
        await this.deps.client.updatePhoneNumber(number.provider_number_id!, { assistantId });
        await this.deps.db
          .updateTable('phone_numbers')
          .set({ assistant_attached: true, status: 'active', status_message: null })
          .where('id', '=', number.id)
          .execute();
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'Could not attach the assistant to this number.';
        await this.deps.db
          .updateTable('phone_numbers')
          .set({ assistant_attached: false, status_message: message })
          .where('id', '=', number.id)
          .execute();
      }
    }
  }
}
