// Posts server messages for a sandbox call the way Vapi does: `{"message":{...}}` to the first server
// URL of assistant → phone number → org, authenticated by that server's credential (HMAC over
// "{timestamp}.{body}", headers as the credential names them), its static headers, or the org's.
// The `timestamp` is written as the call's dialect writes it (webhook-dialects.ts).
import type { Logger } from '../src/logging/logger.js';
import { vapiHmacSignature, vapiWebhookHeaders, type WebhookAuth } from '../src/telephony/webhook-auth.js';
import type { SandboxCall, SandboxServer, SandboxState } from './sandbox-state.js';
import { timestampIn } from './webhook-dialects.js';

export interface OrgServer {
  url: string;
  auth: WebhookAuth;
}

export const WEBHOOK_TIMEOUT_MS = 20_000;

export class WebhookDelivery {
  constructor(
    private readonly state: SandboxState,
    private readonly orgServer: () => OrgServer,
    private readonly logger: Logger,
  ) {}

  private serverFor(call: SandboxCall): SandboxServer | undefined {
    const assistant = call.assistantId ? this.state.assistants.get(call.assistantId) : undefined;
    if (assistant?.server?.url) return assistant.server;
    const number = call.phoneNumberId ? this.state.phoneNumbers.get(call.phoneNumberId) : undefined;
    if (number?.server?.url) return number.server;
    return undefined;
  }

  private headersFor(server: SandboxServer | undefined, body: string): Record<string, string> {
    if (!server) return vapiWebhookHeaders(this.orgServer().auth, body);
    const headers: Record<string, string> = { ...(server.headers ?? {}) };
    const credential = server.credentialId ? this.state.credentials.get(server.credentialId) : undefined;
    const plan = credential?.authenticationPlan;
    if (plan?.type === 'hmac' && typeof plan.secretKey === 'string') {
      const timestamp = String(Date.now());
      headers[String(plan.signatureHeader ?? 'x-signature')] = vapiHmacSignature(plan.secretKey, timestamp, body);
      headers[String(plan.timestampHeader ?? 'x-timestamp')] = timestamp;
    } else if (!server.headers) {
      Object.assign(headers, vapiWebhookHeaders(this.orgServer().auth, body));
    }
    return headers;
  }

  /** Sends one message about `call`; resolves with the response body (tool results, assistant), or undefined on failure. */
  async send(call: SandboxCall, message: Record<string, unknown>): Promise<unknown> {
    const server = this.serverFor(call);
    const url = server?.url ?? this.orgServer().url;
    const number = call.phoneNumberId ? this.state.phoneNumbers.get(call.phoneNumberId) : undefined;
    const { script: _script, dialect, ...callJson } = call;
    const body = JSON.stringify({
      message: {
        timestamp: timestampIn(dialect, Date.now()),
        ...message,
        call: callJson,
        customer: call.customer,
        ...(number ? { phoneNumber: { id: number.id, number: number.number, provider: number.provider } } : {}),
      },
    });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.headersFor(server, body) },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok) {
        this.logger.warn({ type: message.type, status: response.status }, 'sandbox webhook refused');
        return undefined;
      }
      return text ? (JSON.parse(text) as unknown) : undefined;
    } catch (error) {
      this.logger.warn({ type: message.type, err: error }, 'sandbox webhook delivery failed');
      return undefined;
    }
  }
}
