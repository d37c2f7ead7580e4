// The sandbox's stand-in for Vapi's REST API (mounted at /vapi): the subset the backend's VapiClient
// uses, with Vapi's paths, JSON shapes, Bearer authentication and NestJS-style error bodies
// (`{"message","error","statusCode"}`), so the production client runs against it unchanged.
import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { extractText, getDocumentProxy } from 'unpdf';
import { z } from 'zod';
import { normalizePhoneNumber } from '@voxanne/protocol';
import { SANDBOX_ORG_ID, type SandboxAssistant, type SandboxCall, type SandboxState } from './sandbox-state.js';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };

class VapiHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly messages: string | string[],
  ) {
    super(Array.isArray(messages) ? messages.join('; ') : messages);
  }
}

const ServerSchema = z.looseObject({
  url: z.string().optional(),
  credentialId: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const AssistantBodySchema = z.looseObject({
  name: z.string().max(40).optional(),
  firstMessage: z.string().optional(),
  model: z.looseObject({ toolIds: z.array(z.string()).optional() }).optional(),
  server: ServerSchema.optional(),
  serverMessages: z.array(z.string()).optional(),
  /** Vapi's HIPAA mode: nothing of the call is kept on the platform (the sandbox only checks the shape). */
  compliancePlan: z.looseObject({ hipaaEnabled: z.boolean().optional() }).optional(),
});

const CallBodySchema = z.looseObject({
  assistantId: z.string().optional(),
  phoneNumberId: z.string().optional(),
  customer: z.looseObject({ number: z.string(), name: z.string().optional() }).optional(),
  transport: z.looseObject({ provider: z.literal('vapi.websocket'), audioFormat: z.looseObject({}).optional() }).optional(),
});

/** The one audio format the sandbox's websocket transport speaks (Vapi's default). */
const WebSocketAudioFormatSchema = z.looseObject({
  format: z.literal('pcm_s16le'),
  container: z.literal('raw'),
  sampleRate: z.literal(16_000),
});

const PhoneNumberBodySchema = z.looseObject({
  provider: z.literal('twilio'),
  number: z.string(),
  twilioAccountSid: z.string(),
  twilioAuthToken: z.string().optional(),
  assistantId: z.string().optional(),
  name: z.string().max(40).optional(),
  server: ServerSchema.optional(),
});

const PhoneNumberPatchSchema = z.looseObject({
  assistantId: z.string().nullable().optional(),
  name: z.string().max(40).optional(),
  server: ServerSchema.optional(),
});

const ToolBodySchema = z.looseObject({
  type: z.string(),
  function: z.looseObject({ name: z.string().optional() }).optional(),
  knowledgeBases: z.array(z.looseObject({ fileIds: z.array(z.string()).optional() })).optional(),
});

const CredentialBodySchema = z.looseObject({
  provider: z.literal('webhook'),
  name: z.string().min(1).max(40).optional(),
  authenticationPlan: z.looseObject({ type: z.string(), secretKey: z.string().optional() }),
});

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new VapiHttpError(
      400,
      result.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`),
    );
  return result.data;
}

export interface VapiApiHooks {
  /** A call was created through POST /call: the simulator takes it from here. */
  onOutboundCall(call: SandboxCall): void;
  /** Which script an outbound call plays. */
  outboundScript(): string;
  /** A `vapi.websocket` call was created: the voice transport takes it; answers its websocketCallUrl. */
  onWebSocketCall(call: SandboxCall): string;
}

export function vapiApi(state: SandboxState, hooks: VapiApiHooks): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 50 * 1024 * 1024, files: 1 } });
  router.use(express.json({ limit: '5mb' }));
  router.use((req, _res, next) => {
    if (req.get('authorization') !== `Bearer ${state.apiKey}`)
      throw new VapiHttpError(401, 'Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.');
    next();
  });

  const now = () => new Date().toISOString();
  const found = <T>(map: Map<string, T>, id: string | undefined, what: string): T => {
    const value = id === undefined ? undefined : map.get(id);
    if (!value) throw new VapiHttpError(404, `Couldn't Find ${what}`);
    return value;
  };

  router.post('/assistant', (req, res) => {
    const body = parse(AssistantBodySchema, req.body);
    const assistant: SandboxAssistant = { ...body, id: randomUUID(), orgId: SANDBOX_ORG_ID, createdAt: now(), updatedAt: now() };
    state.assistants.set(assistant.id, assistant);
    res.status(201).json(assistant);
  });
  router.get('/assistant/:id', (req, res) => {
    res.json(found(state.assistants, req.params.id, 'Assistant'));
  });
  router.get('/assistant', (_req, res) => {
    res.json([...state.assistants.values()]);
  });
  router.patch('/assistant/:id', (req, res) => {
    const existing = found(state.assistants, req.params.id, 'Assistant');
    const body = parse(AssistantBodySchema, req.body);
    const updated = { ...existing, ...body, id: existing.id, orgId: existing.orgId, createdAt: existing.createdAt, updatedAt: now() };
    state.assistants.set(updated.id, updated);
    res.json(updated);
  });
  router.delete('/assistant/:id', (req, res) => {
    const existing = found(state.assistants, req.params.id, 'Assistant');
    state.assistants.delete(existing.id);
    res.json(existing);
  });

  router.post('/call', (req, res) => {
    const body = parse(CallBodySchema, req.body);
    if (body.transport) {
      if (body.phoneNumberId || body.customer)
        throw new VapiHttpError(400, 'phoneNumberId and customer are not permitted with the vapi.websocket transport');
      parse(WebSocketAudioFormatSchema, body.transport.audioFormat ?? { format: 'pcm_s16le', container: 'raw', sampleRate: 16_000 });
      if (!body.assistantId || !state.assistants.has(body.assistantId))
        throw new VapiHttpError(400, 'assistantId must reference an existing assistant');
      const call: SandboxCall = {
        id: randomUUID(),
        orgId: SANDBOX_ORG_ID,
        type: 'vapi.websocketCall',
        status: 'queued',
        assistantId: body.assistantId,
        createdAt: now(),
        updatedAt: now(),
        script: 'web-test',
      };
      state.calls.set(call.id, call);
      const websocketCallUrl = hooks.onWebSocketCall(call);
      res.status(201).json({ ...publicCall(call), transport: { provider: 'vapi.websocket', websocketCallUrl } });
      return;
    }
    if (!body.phoneNumberId || !body.customer)
      throw new VapiHttpError(400, ['phoneNumberId must be a string', 'customer must be an object']);
    const number = found(state.phoneNumbers, body.phoneNumberId, 'Phone Number');
    const assistantId = body.assistantId ?? number.assistantId ?? undefined;
    if (!assistantId || !state.assistants.has(assistantId))
      throw new VapiHttpError(400, 'assistantId must reference an existing assistant');
    const customer = normalizePhoneNumber(body.customer.number);
    if (!customer.ok || customer.e164 !== body.customer.number) {
      throw new VapiHttpError(400, ['customer.number must be a valid phone number in the E.164 format']);
    }
    const call: SandboxCall = {
      id: randomUUID(),
      orgId: SANDBOX_ORG_ID,
      type: 'outboundPhoneCall',
      status: 'queued',
      assistantId,
      phoneNumberId: number.id,
      customer: { number: customer.e164, ...(body.customer.name ? { name: body.customer.name } : {}) },
      createdAt: now(),
      updatedAt: now(),
      script: hooks.outboundScript(),
    };
    state.calls.set(call.id, call);
    hooks.onOutboundCall(call);
    res.status(201).json(publicCall(call));
  });
  router.get('/call/:id', (req, res) => {
    res.json(publicCall(found(state.calls, req.params.id, 'Call')));
  });
  router.get('/call', (req, res) => {
    const limit = Math.min(Number(req.query.limit ?? 100) || 100, 1000);
    const assistantId = typeof req.query.assistantId === 'string' ? req.query.assistantId : undefined;
    const calls = [...state.calls.values()].filter((c) => !assistantId || c.assistantId === assistantId);
    res.json(calls.slice(-limit).reverse().map(publicCall));
  });

  router.post('/phone-number', (req, res) => {
    const body = parse(PhoneNumberBodySchema, req.body);
    const account = state.twilioAccounts.get(body.twilioAccountSid);
    if (!account || account.authToken !== body.twilioAuthToken) {
      throw new VapiHttpError(400, 'Twilio Error: Authenticate. Check the Twilio Account SID and Auth Token.');
    }
    if (!account.numbers.some((n) => n.phoneNumber === body.number)) {
      throw new VapiHttpError(400, `Number Not Found on Twilio: ${body.number}`);
    }
    if ([...state.phoneNumbers.values()].some((n) => n.number === body.number)) {
      throw new VapiHttpError(400, 'Existing Phone Number Exists With This Number.');
    }
    if (body.assistantId && !state.assistants.has(body.assistantId))
      throw new VapiHttpError(400, 'assistantId must reference an existing assistant');
    const created = state.importNumber(body);
    res.status(201).json(created);
  });
  router.get('/phone-number/:id', (req, res) => {
    res.json(found(state.phoneNumbers, req.params.id, 'Phone Number'));
  });
  router.get('/phone-number', (_req, res) => {
    res.json([...state.phoneNumbers.values()]);
  });
  router.patch('/phone-number/:id', (req, res) => {
    const existing = found(state.phoneNumbers, req.params.id, 'Phone Number');
    const body = parse(PhoneNumberPatchSchema, req.body);
    if (body.assistantId && !state.assistants.has(body.assistantId))
      throw new VapiHttpError(400, 'assistantId must reference an existing assistant');
    const updated = { ...existing, ...body, id: existing.id, updatedAt: now() };
    state.phoneNumbers.set(updated.id, updated);
    res.json(updated);
  });
  router.delete('/phone-number/:id', (req, res) => {
    const existing = found(state.phoneNumbers, req.params.id, 'Phone Number');
    state.phoneNumbers.delete(existing.id);
    res.json(existing);
  });

  router.post('/file', upload.single('file'), async (req, res) => {
    const file = req.file;
    if (!file) throw new VapiHttpError(400, 'file is required');
    const text = await fileText(file.buffer, file.mimetype);
    const record = {
      id: randomUUID(),
      orgId: SANDBOX_ORG_ID,
      object: 'file' as const,
      status: 'done' as const,
      name: file.originalname.slice(0, 40),
      originalName: file.originalname,
      bytes: file.size,
      mimetype: file.mimetype,
      createdAt: now(),
      updatedAt: now(),
      text,
    };
    state.files.set(record.id, record);
    const { text: _omitted, ...visible } = record;
    res.status(201).json(visible);
  });
  router.delete('/file/:id', (req, res) => {
    const existing = found(state.files, req.params.id, 'File');
    state.files.delete(existing.id);
    const { text: _omitted, ...visible } = existing;
    res.json(visible);
  });

  router.post('/tool', (req, res) => {
    const body = parse(ToolBodySchema, req.body);
    const tool = { ...body, id: randomUUID(), orgId: SANDBOX_ORG_ID, createdAt: now(), updatedAt: now() };
    for (const fileId of tool.knowledgeBases?.flatMap((kb) => kb.fileIds ?? []) ?? []) found(state.files, fileId, 'File');
    state.tools.set(tool.id, tool);
    res.status(201).json(tool);
  });
  router.patch('/tool/:id', (req, res) => {
    const existing = found(state.tools, req.params.id, 'Tool');
    const body = parse(ToolBodySchema.partial(), req.body);
    for (const fileId of body.knowledgeBases?.flatMap((kb) => kb.fileIds ?? []) ?? []) found(state.files, fileId, 'File');
    const updated = { ...existing, ...body, id: existing.id, type: existing.type, updatedAt: now() };
    state.tools.set(updated.id, updated);
    res.json(updated);
  });
  router.delete('/tool/:id', (req, res) => {
    const existing = found(state.tools, req.params.id, 'Tool');
    state.tools.delete(existing.id);
    res.json(existing);
  });

  router.post('/credential', (req, res) => {
    const body = parse(CredentialBodySchema, req.body);
    const credential = { ...body, id: randomUUID(), orgId: SANDBOX_ORG_ID, createdAt: now(), updatedAt: now() };
    state.credentials.set(credential.id, credential);
    res.status(201).json(withoutSecret(credential));
  });
  router.get('/credential', (_req, res) => {
    res.json([...state.credentials.values()].map(withoutSecret));
  });

  router.use((req) => {
    throw new VapiHttpError(404, `Cannot ${req.method} ${req.path}`);
  });
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number };
    const error =
      err instanceof VapiHttpError
        ? err
        : e?.type === 'entity.parse.failed'
          ? new VapiHttpError(400, 'Invalid JSON')
          : err instanceof multer.MulterError
            ? new VapiHttpError(400, err.message)
            : new VapiHttpError(500, 'Internal server error');
    res
      .status(error.statusCode)
      .json({ message: error.messages, error: STATUS_TEXT[error.statusCode] ?? 'Error', statusCode: error.statusCode });
  });
  return router;
}

function publicCall(call: SandboxCall) {
  const { script: _script, dialect: _dialect, ...visible } = call;
  return visible;
}

function withoutSecret<T extends { authenticationPlan: Record<string, unknown> }>(credential: T) {
  const { secretKey: _secret, ...plan } = credential.authenticationPlan;
  return { ...credential, authenticationPlan: plan };
}

async function fileText(buffer: Buffer, mimetype: string): Promise<string> {
  if (mimetype === 'application/pdf' || buffer.subarray(0, 5).toString('latin1') === '%PDF-') {
    try {
      const { text } = await extractText(await getDocumentProxy(new Uint8Array(buffer)), { mergePages: true });
      return text;
    } catch {
      return '';
    }
  }
  return buffer.toString('utf8');
}
