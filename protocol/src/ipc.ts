// The typed bridge between the renderer and the main process (every channel typed here and validated in main).
//
// Every channel is declared once here with zod schemas. main/electron binds each invoke channel with
// one helper that checks the sender frame and parses the request; the preload exposes the same table
// as named methods (`voxanne.calls.list(query)`), never a generic send. Push channels (main → renderer)
// are schema-checked in main before they are sent. The browser host carries the same table over a
// loopback WebSocket.
import { z } from 'zod';
import { ApiErrorSchema, IdSchema, IsoDateTimeSchema, isStorableText, text, TimeOfDaySchema, UNSTORABLE_TEXT_MESSAGE } from './common.js';
import { FrontDeskUserSchema, LoginRequestSchema } from './auth.js';
import { CallDetailSchema, CallListQuerySchema, CallListResponseSchema } from './calls.js';
import {
  CallActionSchema,
  CoachRequestSchema,
  ListenServerMessageSchema,
  SayRequestSchema,
  TransferNumberResponseSchema,
  TransferTargetSchema,
} from './call-control.js';
import {
  WorkItemCallbackResponseSchema,
  WorkItemDetailResponseSchema,
  WorkItemDoneRequestSchema,
  WorkItemListQuerySchema,
  WorkItemListResponseSchema,
  WorkItemSchema,
} from './work-items.js';
import { BookingListQuerySchema, BookingListResponseSchema, BookingPatchSchema, BookingSchema } from './bookings.js';
import { DashboardStatsSchema } from './stats.js';
import { AgentResponseSchema, AgentUpdateRequestSchema } from './agent.js';
import {
  ConnectPhoneNumberRequestSchema,
  PhoneNumberListResponseSchema,
  PhoneNumberSchema,
  PhoneTestCallResponseSchema,
} from './telephony.js';
import { KNOWLEDGE_MAX_BYTES, KnowledgeDocumentSchema, KnowledgeListResponseSchema } from './knowledge.js';
import { WebTestDiagnosticsSchema, WebTestServerMessageSchema } from './web-test.js';
import { LiveEventSchema } from './events.js';
import {
  AuditExportQuerySchema,
  AuditListQuerySchema,
  AuditListResponseSchema,
  ClinicSettingsSchema,
  ClinicSettingsUpdateSchema,
  StaffInviteRequestSchema,
  StaffInviteResponseSchema,
  StaffListResponseSchema,
  StaffMemberSchema,
  StaffPasswordResetResponseSchema,
  StaffSignOutResponseSchema,
  StaffUpdateRequestSchema,
} from './compliance.js';

// ---------------------------------------------------------------------------------------------
// Shapes that only exist between main and renderer

export const SessionStateSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('signed-out'),
    /** Why, when it was not the user's own choice (e.g. "Your session expired. Sign in again."). */
    reason: text().nullable(),
  }),
  z.object({ status: z.literal('signed-in'), user: FrontDeskUserSchema }),
  /** Idle auto-lock: the window asks for the password; the live connection keeps running. */
  z.object({ status: z.literal('locked'), user: FrontDeskUserSchema }),
]);
export type SessionState = z.infer<typeof SessionStateSchema>;

export const CONNECTION_STATUSES = ['connecting', 'live', 'reconnecting', 'offline', 'signed-out'] as const;
export const ConnectionStatusSchema = z.enum(CONNECTION_STATUSES);
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const ConnectionStateSchema = z.object({
  status: ConnectionStatusSchema,
  /** User-facing reason whenever the status is not `live` (e.g. "Can't reach the Voxanne server"). */
  reason: text().nullable(),
  /** When the next reconnect attempt is scheduled, while `reconnecting`. */
  nextRetryAt: IsoDateTimeSchema.nullable(),
  /** Consecutive failed attempts (0 when live). */
  attempt: z.number().int().nonnegative(),
  /** The newest event seq received. */
  lastSeq: z.number().int().nonnegative(),
  /** When the status last changed. */
  since: IsoDateTimeSchema,
});
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

/** At most one batch per 500 ms; partial transcripts already collapsed to their newest version. */
export const LiveBatchSchema = z.object({
  events: z.array(LiveEventSchema),
  /** The live log could not be resumed: reload calls, bookings and stats over REST. */
  resyncRequired: z.boolean(),
});
export type LiveBatch = z.infer<typeof LiveBatchSchema>;

export const DesktopSettingsSchema = z.strictObject({
  notifications: z.strictObject({
    inboundCall: z.boolean(),
    booking: z.boolean(),
    attention: z.boolean(),
    /** "Pause notifications" from the tray. */
    paused: z.boolean(),
  }),
  quietHours: z.strictObject({ enabled: z.boolean(), start: TimeOfDaySchema, end: TimeOfDaySchema }),
  /** 0 = never lock. */
  autoLockMinutes: z.number().int().min(0).max(240),
  startAtLogin: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
});
export type DesktopSettings = z.infer<typeof DesktopSettingsSchema>;

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = {
  notifications: { inboundCall: true, booking: true, attention: true, paused: false },
  quietHours: { enabled: false, start: '20:00', end: '07:00' },
  autoLockMinutes: 15,
  startAtLogin: false,
  theme: 'system',
};

export const AppInfoSchema = z.object({
  version: text(),
  /** `electron` in the desktop app; `browser` in the browser host. */
  host: z.enum(['electron', 'browser']),
  platform: text(),
  backendUrl: text(),
  /** Whether the refresh token survives a restart (false on Linux without a keychain). */
  tokenStorage: z.object({ persistent: z.boolean(), warning: text().nullable() }),
  startAtLoginSupported: z.boolean(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/** What a tray menu item or a notification button asks the opened call to start: listen in, or take the call. */
export const CallOpenActionSchema = z.enum(['listen', 'take']);
export type CallOpenAction = z.infer<typeof CallOpenActionSchema>;

export const NavigateSchema = z.discriminatedUnion('page', [
  z.object({ page: z.literal('dashboard') }),
  z.object({ page: z.literal('call'), callId: IdSchema, action: CallOpenActionSchema.optional() }),
]);
export type Navigate = z.infer<typeof NavigateSchema>;

export const KnowledgeUploadRequestSchema = z.strictObject({
  /** Chosen by the renderer, echoed in progress events. */
  uploadId: IdSchema,
  filename: text().min(1).max(255),
  data: z.instanceof(Uint8Array).refine((d) => d.byteLength <= KNOWLEDGE_MAX_BYTES, 'file is larger than 10 MB'),
});
export const UploadProgressSchema = z.object({
  uploadId: IdSchema,
  sentBytes: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
});
export type UploadProgress = z.infer<typeof UploadProgressSchema>;

/** A downloaded desktop update waiting for a restart (the window closes to the tray, so it may wait long). */
export const UpdateStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('none') }),
  z.object({ status: z.literal('ready'), version: text().min(1).max(64) }),
]);
export type UpdateState = z.infer<typeof UpdateStateSchema>;

const NoArgs = z.strictObject({});
const IdArgs = z.strictObject({ id: IdSchema });

// ---------------------------------------------------------------------------------------------
// Channel tables

/** renderer → main request/response channels: `namespace.method`. */
export const ipcInvokeChannels = {
  'app.getInfo': { request: NoArgs, response: AppInfoSchema },
  'app.openExternal': { request: z.strictObject({ url: z.url().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE) }), response: z.null() },

  'session.getState': { request: NoArgs, response: SessionStateSchema },
  'session.login': { request: LoginRequestSchema, response: SessionStateSchema },
  'session.logout': { request: NoArgs, response: SessionStateSchema },
  'session.lock': { request: NoArgs, response: SessionStateSchema },
  'session.unlock': { request: z.strictObject({ password: text().min(1).max(1024) }), response: SessionStateSchema },
  /** Throttled by the renderer (≤ 1 per 10 s): keeps the idle auto-lock from firing. */
  'session.reportActivity': { request: NoArgs, response: z.null() },

  'connection.getState': { request: NoArgs, response: ConnectionStateSchema },
  'connection.retryNow': { request: NoArgs, response: ConnectionStateSchema },

  'dashboard.getStats': { request: NoArgs, response: DashboardStatsSchema },
  'calls.list': { request: CallListQuerySchema, response: CallListResponseSchema },
  'calls.get': { request: IdArgs, response: CallDetailSchema },
  /** Live call control: the backend checks clinic, role and that the call is in progress. */
  'callControl.coach': { request: z.strictObject({ id: IdSchema, text: CoachRequestSchema.shape.text }), response: CallActionSchema },
  'callControl.say': { request: z.strictObject({ id: IdSchema, text: SayRequestSchema.shape.text }), response: CallActionSchema },
  'callControl.transfer': {
    request: z.strictObject({ id: IdSchema, to: TransferTargetSchema.default('auto') }),
    response: CallActionSchema,
  },
  'callControl.end': { request: IdArgs, response: CallActionSchema },
  /** The signed-in staff member's own number for taking calls (main adds their id). As typed: main and the backend normalise it. */
  'callControl.getTransferNumber': { request: NoArgs, response: TransferNumberResponseSchema },
  'callControl.setTransferNumber': {
    request: z.strictObject({ transferNumber: text().min(1).max(40).nullable() }),
    response: TransferNumberResponseSchema,
  },
  'bookings.list': { request: BookingListQuerySchema, response: BookingListResponseSchema },
  'bookings.update': { request: z.strictObject({ id: IdSchema, patch: BookingPatchSchema }), response: BookingSchema },

  'workItems.list': { request: WorkItemListQuerySchema, response: WorkItemListResponseSchema },
  'workItems.get': { request: IdArgs, response: WorkItemDetailResponseSchema },
  'workItems.claim': { request: z.strictObject({ id: IdSchema, takeOver: z.boolean().optional() }), response: WorkItemSchema },
  'workItems.release': { request: IdArgs, response: WorkItemSchema },
  'workItems.done': { request: WorkItemDoneRequestSchema.extend({ id: IdSchema }), response: WorkItemSchema },
  'workItems.reopen': { request: IdArgs, response: WorkItemSchema },
  'workItems.callBack': { request: IdArgs, response: WorkItemCallbackResponseSchema },

  'agent.get': { request: NoArgs, response: AgentResponseSchema },
  'agent.update': { request: AgentUpdateRequestSchema, response: AgentResponseSchema },
  /** The number as typed; main and the backend both normalise to E.164 and refuse anything else. */
  'testCalls.phone': { request: z.strictObject({ phoneNumber: text().min(1).max(40) }), response: PhoneTestCallResponseSchema },

  'phoneNumbers.list': { request: NoArgs, response: PhoneNumberListResponseSchema },
  'phoneNumbers.connect': { request: ConnectPhoneNumberRequestSchema, response: PhoneNumberSchema },
  'phoneNumbers.disconnect': { request: IdArgs, response: z.null() },

  'knowledge.list': { request: NoArgs, response: KnowledgeListResponseSchema },
  'knowledge.upload': { request: KnowledgeUploadRequestSchema, response: KnowledgeDocumentSchema },
  'knowledge.delete': { request: IdArgs, response: z.null() },

  'webTest.diagnostics': { request: NoArgs, response: WebTestDiagnosticsSchema },

  // Administrators only (the backend refuses everyone else): the activity log, staff, clinic settings.
  'auditLog.list': { request: AuditListQuerySchema, response: AuditListResponseSchema },
  /** The CSV as the backend wrote it (the download is logged there), for the renderer to save. */
  'auditLog.exportCsv': { request: AuditExportQuerySchema, response: z.object({ filename: text(), csv: text() }) },
  'staff.list': { request: NoArgs, response: StaffListResponseSchema },
  'staff.invite': { request: StaffInviteRequestSchema, response: StaffInviteResponseSchema },
  'staff.update': { request: z.strictObject({ id: IdSchema, patch: StaffUpdateRequestSchema }), response: StaffMemberSchema },
  'staff.resetPassword': { request: IdArgs, response: StaffPasswordResetResponseSchema },
  'staff.signOutEverywhere': { request: IdArgs, response: StaffSignOutResponseSchema },
  /** The clinic's settings (everyone reads); only an administrator's update is accepted by the backend. */
  'clinic.getSettings': { request: NoArgs, response: ClinicSettingsSchema },
  'clinic.updateSettings': { request: ClinicSettingsUpdateSchema, response: ClinicSettingsSchema },

  'updates.getState': { request: NoArgs, response: UpdateStateSchema },
  /** Quits and installs the downloaded update; the user clicked "Restart to update". */
  'updates.restart': { request: z.strictObject({ confirmed: z.literal(true) }), response: z.null() },

  'settings.get': { request: NoArgs, response: DesktopSettingsSchema },
  'settings.update': { request: DesktopSettingsSchema, response: DesktopSettingsSchema },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

/** main → renderer push channels: `namespace.onSomething`. */
export const ipcPushChannels = {
  'live.onBatch': LiveBatchSchema,
  'connection.onState': ConnectionStateSchema,
  'session.onState': SessionStateSchema,
  'app.onNavigate': NavigateSchema,
  'knowledge.onUploadProgress': UploadProgressSchema,
  'settings.onChanged': DesktopSettingsSchema,
  'updates.onState': UpdateStateSchema,
} as const satisfies Record<string, z.ZodType>;

export type IpcInvokeChannel = keyof typeof ipcInvokeChannels;
export type IpcPushChannel = keyof typeof ipcPushChannels;
export type IpcRequest<C extends IpcInvokeChannel> = z.input<(typeof ipcInvokeChannels)[C]['request']>;
export type IpcParsedRequest<C extends IpcInvokeChannel> = z.output<(typeof ipcInvokeChannels)[C]['request']>;
export type IpcResponse<C extends IpcInvokeChannel> = z.output<(typeof ipcInvokeChannels)[C]['response']>;
export type IpcPushPayload<C extends IpcPushChannel> = z.output<(typeof ipcPushChannels)[C]>;

/**
 * Invoke results are values, never thrown errors: Electron flattens errors crossing IPC into a
 * string, and the renderer needs the code to say something useful.
 */
export type IpcResult<T> = { ok: true; data: T } | { ok: false; error: z.infer<typeof ApiErrorSchema> };
export function ipcResultSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: ApiErrorSchema })]);
}

/** The handler table main/core implements: already-parsed request in, plain value out. */
export type IpcHandlers = {
  [C in IpcInvokeChannel]: (request: IpcParsedRequest<C>) => Promise<IpcResponse<C>>;
};

// The bridge as the renderer sees it: `voxanne.<namespace>.<method>(request)`.
type NamespaceOf<C extends string> = C extends `${infer NS}.${string}` ? NS : never;
type MethodOf<C extends string, NS extends string> = C extends `${NS}.${infer M}` ? M : never;
type InvokeNamespaces = NamespaceOf<IpcInvokeChannel>;
type PushNamespaces = NamespaceOf<IpcPushChannel>;

export type VoxanneBridge = {
  [NS in InvokeNamespaces | PushNamespaces]: {
    [M in MethodOf<IpcInvokeChannel, NS>]: (
      request: IpcRequest<`${NS}.${M}` & IpcInvokeChannel>,
    ) => Promise<IpcResult<IpcResponse<`${NS}.${M}` & IpcInvokeChannel>>>;
  } & {
    [M in MethodOf<IpcPushChannel, NS>]: (listener: (payload: IpcPushPayload<`${NS}.${M}` & IpcPushChannel>) => void) => () => void;
  };
};

/** Splits `calls.list` into `['calls', 'list']`; used to build the nested bridge from the tables. */
export function splitChannel(channel: string): [string, string] {
  const dot = channel.indexOf('.');
  return [channel.slice(0, dot), channel.slice(dot + 1)];
}

// ---------------------------------------------------------------------------------------------
// Web-test audio port. Audio does not ride the invoke channels: the renderer creates a
// MessageChannel, keeps one end for its AudioWorklet and hands the other to main with
// `window.postMessage({ type: WEB_TEST_PORT_OFFER, relayId }, window.location.origin, [port])`.
// In Electron the preload picks it up (same window, same origin) and forwards it to main with
// `ipcRenderer.postMessage(WEB_TEST_PORT_CHANNEL, offer, [port])`; in the browser host the host
// bridge carries it over a loopback socket. Either way main relays it to the backend's
// `/ws/web-test`, adding the access token itself (the token never reaches the renderer).

export const WEB_TEST_PORT_OFFER = 'voxanne:web-test-port';
export const WEB_TEST_PORT_CHANNEL = 'webTest.port';
export const WebTestPortOfferSchema = z.strictObject({ type: z.literal(WEB_TEST_PORT_OFFER), relayId: IdSchema });
export type WebTestPortOffer = z.infer<typeof WebTestPortOfferSchema>;

/** renderer → main over the port: binary 640-byte PCM16 frames (ArrayBuffer or Uint8Array), or one of these. */
export const WebTestPortClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start') }),
  z.strictObject({ type: z.literal('mute'), muted: z.boolean() }),
  z.strictObject({ type: z.literal('end') }),
]);
export type WebTestPortClientMessage = z.infer<typeof WebTestPortClientMessageSchema>;

/** Main's own word on the relay, next to what the backend says. */
export const WebTestRelayStatusSchema = z.object({
  type: z.literal('relay-status'),
  status: z.enum(['connecting', 'open', 'closed']),
  /** User-facing, when closed for a reason other than the session ending normally. */
  reason: text().nullable(),
  /** Microphone frames dropped because the connection could not keep up. */
  droppedFrames: z.number().int().nonnegative(),
});
export type WebTestRelayStatus = z.infer<typeof WebTestRelayStatusSchema>;

/** main → renderer over the port: binary PCM16 frames of the assistant's voice, or one of these. */
export const WebTestPortServerMessageSchema = z.union([WebTestServerMessageSchema, WebTestRelayStatusSchema]);
export type WebTestPortServerMessage = z.infer<typeof WebTestPortServerMessageSchema>;

// ---------------------------------------------------------------------------------------------
// Listen-in audio port: the web-test port's design, one way. The renderer offers a port for a call
// (`window.postMessage({ type: LISTEN_PORT_OFFER, relayId, callId }, origin, [port])`); main asks the
// backend for a listen ticket itself, opens `/ws/listen` with the access token, presents the ticket
// and relays the call's 20 ms PCM16 frames to the port. Neither the ticket, the token nor the voice
// platform's listen URL ever reaches the renderer.

export const LISTEN_PORT_OFFER = 'voxanne:listen-port';
export const LISTEN_PORT_CHANNEL = 'listen.port';
export const ListenPortOfferSchema = z.strictObject({ type: z.literal(LISTEN_PORT_OFFER), relayId: IdSchema, callId: IdSchema });
export type ListenPortOffer = z.infer<typeof ListenPortOfferSchema>;

/** renderer → main over the port: Stop. (The same word the web test's port uses to hang up.) */
export const ListenPortClientMessageSchema = z.strictObject({ type: z.literal('end') });
export type ListenPortClientMessage = z.infer<typeof ListenPortClientMessageSchema>;

/** main → renderer over the port: binary PCM16 frames of the call, the backend's word, or main's relay status. */
export const ListenPortServerMessageSchema = z.union([ListenServerMessageSchema, WebTestRelayStatusSchema]);
export type ListenPortServerMessage = z.infer<typeof ListenPortServerMessageSchema>;
