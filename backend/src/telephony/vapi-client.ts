// Vapi's REST API, the subset the product uses: assistants, calls, phone numbers (Twilio imports),
// files, tools (the knowledge-base query tool) and webhook credentials. The base URL and key come from
// configuration, so the same client talks to api.vapi.ai or to the built-in sandbox.
//
// Every request has a 10 s timeout. Only idempotent requests (GET, DELETE, and PATCHes that set
// absolute values) are retried, with exponential backoff and jitter, on timeouts, network errors,
// 429 and 5xx: a retried POST could create a second call or assistant. Failures become AppErrors with
// messages a front-desk user can act on.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ErrorCode } from '@voxanne/protocol';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';

export const VAPI_TIMEOUT_MS = 10_000;

/** A failed provider request: an AppError for the console, plus the provider's HTTP status for callers that branch on it. */
export class ProviderRequestError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly providerStatus: number | undefined,
  ) {
    super(code, message);
  }
}

export interface VapiClientOptions {
  baseUrl: string;
  apiKey: string;
  logger?: Logger;
  timeoutMs?: number;
  /** Extra attempts for idempotent requests. */
  retries?: number;
  /** Base backoff delay; doubled per attempt, with jitter. */
  backoffMs?: number;
}

export const VapiAssistantSchema = z.looseObject({ id: z.string().min(1), name: z.string().optional().nullable() });
export type VapiAssistant = z.infer<typeof VapiAssistantSchema>;

export const VapiCallResourceSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().optional().nullable(),
  type: z.string().optional().nullable(),
  assistantId: z.string().optional().nullable(),
  phoneNumberId: z.string().optional().nullable(),
  customer: z.looseObject({ number: z.string().optional().nullable() }).optional().nullable(),
});
export type VapiCallResource = z.infer<typeof VapiCallResourceSchema>;

export const VapiPhoneNumberSchema = z.looseObject({
  id: z.string().min(1),
  number: z.string().optional().nullable(),
  provider: z.string().optional().nullable(),
  assistantId: z.string().optional().nullable(),
});
export type VapiPhoneNumber = z.infer<typeof VapiPhoneNumberSchema>;

export const VapiFileSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().optional().nullable(),
  name: z.string().optional().nullable(),
});
export const VapiToolSchema = z.looseObject({ id: z.string().min(1), type: z.string().optional().nullable() });
export const VapiCredentialSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional().nullable(),
  provider: z.string().optional().nullable(),
});

export interface VapiServer {
  url: string;
  credentialId?: string;
  headers?: Record<string, string>;
  timeoutSeconds?: number;
}

export interface CreateCallRequest {
  assistantId: string;
  phoneNumberId: string;
  customer: { number: string; name?: string };
  name?: string;
}

/** A call carried over Vapi's `vapi.websocket` transport (the web test): raw PCM both ways, no phone line. */
export interface CreateWebSocketCallRequest {
  assistantId: string;
  audioFormat: { format: 'pcm_s16le'; container: 'raw'; sampleRate: number };
  name?: string;
}

export const VapiWebSocketCallSchema = VapiCallResourceSchema.extend({
  transport: z.looseObject({ provider: z.literal('vapi.websocket'), websocketCallUrl: z.url({ protocol: /^wss?$/ }) }),
});
export type VapiWebSocketCall = z.infer<typeof VapiWebSocketCallSchema>;

export interface ImportTwilioNumberRequest {
  provider: 'twilio';
  number: string;
  twilioAccountSid: string;
  twilioAuthToken: string;
  assistantId?: string;
  name?: string;
  server?: VapiServer;
}

interface RequestOptions<S extends z.ZodType> {
  schema: S;
  json?: unknown;
  form?: FormData;
  idempotent: boolean;
  /** What the request is about, for messages: "assistant", "phone number"... */
  subject: string;
}

export class VapiClient {
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(private readonly options: VapiClientOptions) {
    this.timeoutMs = options.timeoutMs ?? VAPI_TIMEOUT_MS;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 250;
  }

  createAssistant(body: Record<string, unknown>) {
    return this.request('POST', '/assistant', { schema: VapiAssistantSchema, json: body, idempotent: false, subject: 'assistant' });
  }

  updateAssistant(id: string, body: Record<string, unknown>) {
    return this.request('PATCH', `/assistant/${encodeURIComponent(id)}`, {
      schema: VapiAssistantSchema,
      json: body,
      idempotent: true,
      subject: 'assistant',
    });
  }

  getAssistant(id: string) {
    return this.request('GET', `/assistant/${encodeURIComponent(id)}`, {
      schema: VapiAssistantSchema,
      idempotent: true,
      subject: 'assistant',
    });
  }

  createCall(body: CreateCallRequest) {
    return this.request('POST', '/call', { schema: VapiCallResourceSchema, json: body, idempotent: false, subject: 'call' });
  }

  createWebSocketCall(body: CreateWebSocketCallRequest) {
    const { assistantId, audioFormat, name } = body;
    return this.request('POST', '/call', {
      schema: VapiWebSocketCallSchema,
      json: { assistantId, ...(name ? { name } : {}), transport: { provider: 'vapi.websocket', audioFormat } },
      idempotent: false,
      subject: 'call',
    });
  }

  getCall(id: string) {
    return this.request('GET', `/call/${encodeURIComponent(id)}`, { schema: VapiCallResourceSchema, idempotent: true, subject: 'call' });
  }

  listCalls(query: { limit?: number; assistantId?: string } = {}) {
    const params = new URLSearchParams();
    if (query.limit) params.set('limit', String(query.limit));
    if (query.assistantId) params.set('assistantId', query.assistantId);
    const suffix = params.size ? `?${params}` : '';
    return this.request('GET', `/call${suffix}`, { schema: z.array(VapiCallResourceSchema), idempotent: true, subject: 'call' });
  }

  importTwilioNumber(body: ImportTwilioNumberRequest) {
    return this.request('POST', '/phone-number', { schema: VapiPhoneNumberSchema, json: body, idempotent: false, subject: 'phone number' });
  }

  updatePhoneNumber(id: string, body: { assistantId?: string | null; server?: VapiServer; name?: string }) {
    return this.request('PATCH', `/phone-number/${encodeURIComponent(id)}`, {
      schema: VapiPhoneNumberSchema,
      json: body,
      idempotent: true,
      subject: 'phone number',
    });
  }

  deletePhoneNumber(id: string) {
    return this.request('DELETE', `/phone-number/${encodeURIComponent(id)}`, {
      schema: z.unknown(),
      idempotent: true,
      subject: 'phone number',
    });
  }

  uploadFile(file: { name: string; bytes: Uint8Array; mimeType: string }) {
    const form = new FormData();
    // A copy typed as a plain ArrayBuffer view: what Blob accepts under every lib setting.
    form.set('file', new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }), file.name);
    return this.request('POST', '/file', { schema: VapiFileSchema, form, idempotent: false, subject: 'file' });
  }

  deleteFile(id: string) {
    return this.request('DELETE', `/file/${encodeURIComponent(id)}`, { schema: z.unknown(), idempotent: true, subject: 'file' });
  }

  createTool(body: Record<string, unknown>) {
    return this.request('POST', '/tool', { schema: VapiToolSchema, json: body, idempotent: false, subject: 'tool' });
  }

  updateTool(id: string, body: Record<string, unknown>) {
    return this.request('PATCH', `/tool/${encodeURIComponent(id)}`, {
      schema: VapiToolSchema,
      json: body,
      idempotent: true,
      subject: 'tool',
    });
  }

  deleteTool(id: string) {
    return this.request('DELETE', `/tool/${encodeURIComponent(id)}`, { schema: z.unknown(), idempotent: true, subject: 'tool' });
  }

  createCredential(body: Record<string, unknown>) {
    return this.request('POST', '/credential', { schema: VapiCredentialSchema, json: body, idempotent: false, subject: 'credential' });
  }

  listCredentials() {
    return this.request('GET', '/credential', { schema: z.array(VapiCredentialSchema), idempotent: true, subject: 'credential' });
  }

  private async request<S extends z.ZodType>(method: string, path: string, opts: RequestOptions<S>): Promise<z.output<S>> {
    const url = `${this.options.baseUrl}${path}`;
    const attempts = opts.idempotent ? this.retries + 1 : 1;
    let lastError: ProviderRequestError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            accept: 'application/json',
            ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: opts.form ?? (opts.json !== undefined ? JSON.stringify(opts.json) : undefined),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        lastError = new ProviderRequestError(
          'provider_unavailable',
          timedOut
            ? `The voice platform did not answer within ${Math.round(this.timeoutMs / 1000)} seconds. Try again in a minute.`
            : 'The voice platform could not be reached. Try again in a minute.',
          undefined,
        );
        this.options.logger?.warn({ method, path: pathOnly(path), attempt, timedOut }, 'vapi request failed');
        if (attempt < attempts) await sleep(this.delay(attempt));
        continue;
      }
      if (response.ok) {
        const text = await response.text();
        const body: unknown = text === '' ? null : safeJson(text);
        const parsed = opts.schema.safeParse(body);
        if (!parsed.success) {
          throw new ProviderRequestError(
            'provider_error',
            `The voice platform sent an unexpected ${opts.subject} response.`,
            response.status,
          );
        }
        return parsed.data;
      }
      const error = await this.errorFor(response, opts.subject);
      this.options.logger?.warn({ method, path: pathOnly(path), status: response.status, attempt }, 'vapi request refused');
      const retriable = response.status === 429 || response.status >= 500;
      if (!retriable || attempt >= attempts) throw error;
      lastError = error;
      await sleep(this.retryAfter(response) ?? this.delay(attempt));
    }
    throw lastError ?? new ProviderRequestError('provider_unavailable', 'The voice platform could not be reached.', undefined);
  }

  private delay(attempt: number): number {
    const base = this.backoffMs * 2 ** (attempt - 1);
    return base / 2 + Math.random() * base;
  }

  private retryAfter(response: Response): number | undefined {
    const value = response.headers.get('retry-after');
    if (!value || !/^\d+$/.test(value)) return undefined;
    return Math.min(Number(value) * 1000, 2_000);
  }

  private async errorFor(response: Response, subject: string): Promise<ProviderRequestError> {
    const detail = providerMessage(await response.text().catch(() => ''));
    const status = response.status;
    if (status === 401 || status === 403) {
      return new ProviderRequestError(
        'provider_auth_failed',
        'The voice platform rejected our API key. An administrator needs to check VAPI_API_KEY.',
        status,
      );
    }
    if (status === 404) return new ProviderRequestError('provider_error', `The voice platform does not know this ${subject}.`, status);
    if (status === 429)
      return new ProviderRequestError('provider_unavailable', 'The voice platform is busy (rate limited). Try again in a minute.', status);
    if (status >= 500)
      return new ProviderRequestError(
        'provider_unavailable',
        'The voice platform is having problems right now. Try again in a few minutes.',
        status,
      );
    return new ProviderRequestError('provider_error', `The voice platform refused the ${subject}${detail ? `: ${detail}` : '.'}`, status);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Vapi answers errors NestJS-style: `{"message": string | string[], "error", "statusCode"}`. */
function providerMessage(text: string): string | undefined {
  const body = safeJson(text) as { message?: unknown } | string;
  if (typeof body === 'object' && body !== null) {
    const message = body.message;
    if (Array.isArray(message)) return message.map(String).join('; ').slice(0, 300);
    if (typeof message === 'string') return message.slice(0, 300);
  }
  return undefined;
}

function pathOnly(path: string): string {
  return path.split('?')[0]!.replace(/\/[^/]+$/, (segment) => (segment.length > 20 ? '/:id' : segment));
}
