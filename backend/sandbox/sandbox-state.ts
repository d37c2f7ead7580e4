// What the sandbox remembers while it runs, in memory: the Vapi side (assistants, calls, phone
// numbers, files, tools, webhook credentials) and the Twilio side (accounts, their numbers, messages).
// Shapes mirror the vendors' JSON so the REST routes can return them as they are.
import { randomBytes, randomUUID } from 'node:crypto';
import type { WebhookDialect } from './webhook-dialects.js';

export const SANDBOX_ORG_ID = '00000000-0000-4000-8000-00000000a11c';

export interface SandboxServer {
  url?: string;
  credentialId?: string;
  headers?: Record<string, string>;
}

export interface SandboxAssistant {
  id: string;
  orgId: string;
  name?: string;
  firstMessage?: string;
  model?: { toolIds?: string[]; [key: string]: unknown };
  server?: SandboxServer;
  serverMessages?: string[];
  /** Sandbox-only: the call a transient assistant (from assistant-request) was made for. */
  transientFor?: string;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
}

export interface SandboxCall {
  id: string;
  orgId: string;
  type: 'inboundPhoneCall' | 'outboundPhoneCall' | 'vapi.websocketCall';
  status: 'queued' | 'ringing' | 'in-progress' | 'forwarding' | 'ended';
  assistantId?: string;
  /** Phone calls only: a `vapi.websocket` call has no line and no customer. */
  phoneNumberId?: string;
  customer?: { number: string; name?: string };
  startedAt?: string;
  endedAt?: string;
  endedReason?: string;
  cost?: number;
  /** Live control (sandbox/call-control-api.ts), when the assistant enables it. */
  monitor?: { controlUrl?: string; listenUrl?: string };
  /** Where the call was transferred, once it was. */
  destination?: { type: 'number'; number: string };
  createdAt: string;
  updatedAt: string;
  /** Sandbox-only: which scripted conversation it plays. */
  script: string;
  /** Sandbox-only: which of Vapi's published message shapes its webhooks use (webhook-dialects.ts). */
  dialect?: WebhookDialect;
}

export interface SandboxPhoneNumber {
  id: string;
  orgId: string;
  provider: 'twilio';
  number: string;
  twilioAccountSid: string;
  assistantId?: string | null;
  name?: string;
  server?: SandboxServer;
  createdAt: string;
  updatedAt: string;
}

export interface SandboxFile {
  id: string;
  orgId: string;
  object: 'file';
  status: 'done';
  name: string;
  originalName: string;
  bytes: number;
  mimetype: string;
  createdAt: string;
  updatedAt: string;
  /** Sandbox-only: the text the query tool searches. */
  text: string;
}

export interface SandboxTool {
  id: string;
  orgId: string;
  type: string;
  function?: { name?: string };
  knowledgeBases?: Array<{ name?: string; provider?: string; description?: string; fileIds?: string[] }>;
  createdAt: string;
  updatedAt: string;
}

export interface SandboxCredential {
  id: string;
  orgId: string;
  provider: 'webhook';
  name?: string;
  authenticationPlan: { type: string; secretKey?: string; [key: string]: unknown };
  createdAt: string;
  updatedAt: string;
}

export interface TwilioNumber {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  smsUrl: string | null;
}

export interface TwilioAccount {
  sid: string;
  authToken: string;
  numbers: TwilioNumber[];
}

export interface TwilioMessage {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  body: string;
  status: 'queued' | 'sent' | 'delivered';
  direction: 'outbound-api' | 'inbound';
  dateCreated: string;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function twilioSid(prefix: string): string {
  return prefix + hex(16);
}

export class SandboxState {
  readonly apiKey = `sandbox-${hex(16)}`;
  readonly assistants = new Map<string, SandboxAssistant>();
  readonly calls = new Map<string, SandboxCall>();
  readonly phoneNumbers = new Map<string, SandboxPhoneNumber>();
  readonly files = new Map<string, SandboxFile>();
  readonly tools = new Map<string, SandboxTool>();
  readonly credentials = new Map<string, SandboxCredential>();
  readonly twilioAccounts = new Map<string, TwilioAccount>();
  readonly messages: TwilioMessage[] = [];
  private nextLine = 0;

  /** A fresh Twilio account holding `count` numbers from the UK's drama range (valid, never real). */
  createTwilioAccount(count: number): TwilioAccount {
    const account: TwilioAccount = { sid: twilioSid('AC'), authToken: hex(16), numbers: [] };
    for (let i = 0; i < count; i++) account.numbers.push(this.newTwilioNumber());
    this.twilioAccounts.set(account.sid, account);
    return account;
  }

  private newTwilioNumber(): TwilioNumber {
    const line = this.nextLine++;
    // Ofcom's drama ranges (valid, never real): 020 7946 0000–0999, then 0113 496 0000–0999.
    // (Simulated callers use 0161 496 0xxx, so the two never collide.)
    const phoneNumber = line < 1000 ? `+44207946${String(line).padStart(4, '0')}` : `+44113496${String(line - 1000).padStart(4, '0')}`;
    return { sid: twilioSid('PN'), phoneNumber, friendlyName: `Sandbox line ${line + 1}`, smsUrl: null };
  }

  importNumber(input: {
    number: string;
    twilioAccountSid: string;
    assistantId?: string | null;
    name?: string;
    server?: SandboxServer;
  }): SandboxPhoneNumber {
    const now = new Date().toISOString();
    const record: SandboxPhoneNumber = {
      id: randomUUID(),
      orgId: SANDBOX_ORG_ID,
      provider: 'twilio',
      number: input.number,
      twilioAccountSid: input.twilioAccountSid,
      assistantId: input.assistantId ?? null,
      ...(input.name ? { name: input.name } : {}),
      ...(input.server ? { server: input.server } : {}),
      createdAt: now,
      updatedAt: now,
    };
    this.phoneNumbers.set(record.id, record);
    return record;
  }

  /** Text of the files behind the query tools an assistant uses (what its knowledge answers come from). */
  knowledgeOf(assistant: SandboxAssistant | undefined): string[] {
    const toolIds = assistant?.model?.toolIds ?? [];
    const fileIds = toolIds.flatMap((id) => this.tools.get(id)?.knowledgeBases?.flatMap((kb) => kb.fileIds ?? []) ?? []);
    return fileIds.flatMap((id) => {
      const file = this.files.get(id);
      return file ? [file.text] : [];
    });
  }
}
