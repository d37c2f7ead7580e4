// An in-memory VoxanneBridge that behaves like the main process: every request is parsed with the
// protocol's request schema and every response and push with its schema, so a component that calls
// the bridge wrongly, or a test that feeds it impossible data, is caught (see `violations`).
// Used by the component tests and, injected into a page as `window.voxanne`, by the renderer benches.
import {
  ipcInvokeChannels,
  ipcPushChannels,
  normalizePhoneNumber,
  splitChannel,
  type AgentResponse,
  type ApiError,
  type AppInfo,
  type AuditEntry,
  type ClinicSettings,
  type Booking,
  type CallAction,
  type CallActionKind,
  type CallDetail,
  type CallSummary,
  type ConnectionState,
  type DashboardStats,
  type DesktopSettings,
  type ErrorCode,
  type FrontDeskUser,
  type IpcInvokeChannel,
  type IpcParsedRequest,
  type IpcPushChannel,
  type IpcPushPayload,
  type IpcResponse,
  type IpcResult,
  type KnowledgeDocument,
  type LiveEvent,
  type PhoneNumber,
  type SessionState,
  type StaffMember,
  type UpdateState,
  type VoxanneBridge,
  type WebTestDiagnostics,
  type WorkItem,
  type WorkItemAction,
  type WorkItemCounts,
  type WorkItemHistoryEntry,
  WORK_ITEM_KINDS,
  WORK_ITEM_PRIORITIES,
  WORK_QUEUE_SETTING_LIMITS,
} from '@voxanne/protocol';
import {
  appInfo as defaultAppInfo,
  defaultSettings,
  frontDeskUser,
  id,
  makeAgent,
  makeCallDetail,
  makeStaffMember,
  makeStats,
  webTestDiagnostics,
} from './factories';

export class FakeIpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeWorld {
  session: SessionState;
  password: string;
  user: FrontDeskUser;
  connection: ConnectionState;
  calls: CallSummary[];
  callDetails: Map<string, CallDetail>;
  bookings: Booking[];
  stats: DashboardStats;
  agent: AgentResponse;
  phoneNumbers: PhoneNumber[];
  knowledge: KnowledgeDocument[];
  settings: DesktopSettings;
  appInfo: AppInfo;
  webTest: WebTestDiagnostics;
  update: UpdateState;
  workItems: WorkItem[];
  /** Each item's history, oldest first, by item id; the fake's own claims, closes… are appended. */
  workItemHistory: Map<string, WorkItemHistoryEntry[]>;
  /** The clinic's staff (the Staff page); the admin user by default. */
  staff: StaffMember[];
  /** The activity log, newest first as the backend lists it. */
  auditLog: AuditEntry[];
  clinicSettings: ClinicSettings;
  /** What `auditLog.exportCsv` answers. */
  auditCsv: string;
}

type Handler<C extends IpcInvokeChannel> = (request: IpcParsedRequest<C>) => IpcResponse<C> | Promise<IpcResponse<C>>;

interface Held {
  release(): void;
}

const signedIn = (user: FrontDeskUser): SessionState => ({ status: 'signed-in', user });

export function liveConnection(overrides: Partial<ConnectionState> = {}): ConnectionState {
  return { status: 'live', reason: null, nextRetryAt: null, attempt: 0, lastSeq: 0, since: new Date().toISOString(), ...overrides };
}

export function createWorld(overrides: Partial<FakeWorld> = {}): FakeWorld {
  const user = overrides.user ?? frontDeskUser;
  return {
    session: signedIn(user),
    password: 'correct horse battery staple',
    user,
    connection: liveConnection(),
    calls: [],
    callDetails: new Map(),
    bookings: [],
    stats: makeStats(),
    agent: makeAgent(),
    phoneNumbers: [],
    knowledge: [],
    settings: structuredClone(defaultSettings),
    appInfo: structuredClone(defaultAppInfo),
    webTest: structuredClone(webTestDiagnostics),
    update: { status: 'none' },
    workItems: [],
    workItemHistory: new Map(),
    staff: [makeStaffMember()],
    auditLog: [],
    clinicSettings: {
      transcriptRetentionDays: 90,
      callRetentionDays: 730,
      auditRetentionDays: 2192,
      storeTranscriptsRedacted: false,
      textBackEnabled: false,
      textBackMessage: WORK_QUEUE_SETTING_LIMITS.textBackMessage.default,
      textBackFrom: '09:00',
      textBackUntil: '20:00',
      callbackWindowMinutes: 120,
    },
    auditCsv: 'at,actor,action\n',
    ...overrides,
  };
}

/** Sorted newest first, the way the backend lists calls. */
const newestFirst = (a: CallSummary, b: CallSummary) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

/** The order the desk works in: priority, then due time. */
const queueOrder = (a: WorkItem, b: WorkItem) =>
  WORK_ITEM_PRIORITIES.indexOf(a.priority) - WORK_ITEM_PRIORITIES.indexOf(b.priority) || a.dueAt.localeCompare(b.dueAt);

export function countsOf(items: readonly WorkItem[]): WorkItemCounts {
  const byKind = Object.fromEntries(WORK_ITEM_KINDS.map((k) => [k, 0])) as WorkItemCounts['byKind'];
  for (const item of items) if (item.status !== 'done') byKind[item.kind] += 1;
  return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
}

export class FakeBridge {
  readonly world: FakeWorld;
  readonly bridge: VoxanneBridge;
  /** Protocol violations: requests or payloads that do not parse. A test should end with none. */
  readonly violations: string[] = [];
  /** Every request, in order, by channel (already parsed). */
  readonly requests: { channel: IpcInvokeChannel; request: unknown }[] = [];
  private readonly overrides = new Map<IpcInvokeChannel, Handler<IpcInvokeChannel>>();
  private readonly failures = new Map<IpcInvokeChannel, ApiError[]>();
  private readonly holds = new Map<IpcInvokeChannel, Promise<void>>();
  private readonly listeners = new Map<IpcPushChannel, Set<(payload: unknown) => void>>();
  /** How many times the user confirmed "Restart to update". */
  restarts = 0;
  /** Call ids answered to `testCalls.phone`, in order. */
  readonly testCallIds: string[] = [];
  /** The fake main process refuses test calls beyond this many. */
  testCallLimit = 3;

  constructor(world: Partial<FakeWorld> = {}) {
    this.world = createWorld(world);
    this.bridge = this.buildBridge();
  }

  // ---- controlling the fake ------------------------------------------------------------------

  /** Replaces the default behaviour of one channel. */
  handle<C extends IpcInvokeChannel>(channel: C, handler: Handler<C>): void {
    this.overrides.set(channel, handler as unknown as Handler<IpcInvokeChannel>);
  }

  /** The next `times` requests on the channel fail with this error. */
  fail(channel: IpcInvokeChannel, error: ApiError, times = 1): void {
    const queue = this.failures.get(channel) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failures.set(channel, queue);
  }

  /** Requests on the channel wait until released (to see loading states). */
  hold(channel: IpcInvokeChannel): Held {
    let release!: () => void;
    this.holds.set(
      channel,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return {
      release: () => {
        this.holds.delete(channel);
        release();
      },
    };
  }

  /** Delivers a push message, checked against its schema, as the main process would. */
  push<C extends IpcPushChannel>(channel: C, payload: IpcPushPayload<C>): void {
    const parsed = ipcPushChannels[channel].safeParse(payload);
    if (!parsed.success) {
      this.violations.push(`push ${channel}: ${parsed.error.message}`);
      return;
    }
    for (const listener of this.listeners.get(channel) ?? []) listener(structuredClone(parsed.data));
  }

  pushEvents(events: LiveEvent[], resyncRequired = false): void {
    this.push('live.onBatch', { events, resyncRequired });
  }

  listenerCount(channel: IpcPushChannel): number {
    return this.listeners.get(channel)?.size ?? 0;
  }

  requestsOn(channel: IpcInvokeChannel): unknown[] {
    return this.requests.filter((r) => r.channel === channel).map((r) => r.request);
  }

  // ---- the bridge ----------------------------------------------------------------------------

  private buildBridge(): VoxanneBridge {
    const bridge: Record<string, Record<string, unknown>> = {};
    for (const channel of Object.keys(ipcInvokeChannels) as IpcInvokeChannel[]) {
      const [namespace, method] = splitChannel(channel);
      (bridge[namespace] ??= {})[method] = (request: unknown) => this.invoke(channel, request);
    }
    for (const channel of Object.keys(ipcPushChannels) as IpcPushChannel[]) {
      const [namespace, method] = splitChannel(channel);
      (bridge[namespace] ??= {})[method] = (listener: (payload: unknown) => void) => {
        const set = this.listeners.get(channel) ?? new Set();
        set.add(listener);
        this.listeners.set(channel, set);
        return () => set.delete(listener);
      };
    }
    return bridge as unknown as VoxanneBridge;
  }

  private async invoke(channel: IpcInvokeChannel, request: unknown): Promise<IpcResult<unknown>> {
    const schema = ipcInvokeChannels[channel];
    const parsed = schema.request.safeParse(request);
    if (!parsed.success) {
      this.violations.push(`request ${channel}: ${parsed.error.message}`);
      return { ok: false, error: { code: 'validation_failed', message: parsed.error.message } };
    }
    this.requests.push({ channel, request: parsed.data });
    await this.holds.get(channel);
    // Like a real IPC hop: the answer arrives on a later task, never synchronously.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failure = this.failures.get(channel)?.shift();
    if (failure) return { ok: false, error: failure };
    try {
      const handler = this.overrides.get(channel) ?? (this.defaults[channel] as Handler<IpcInvokeChannel>);
      const data = await handler(parsed.data as never);
      const checked = schema.response.safeParse(data);
      if (!checked.success) {
        this.violations.push(`response ${channel}: ${checked.error.message}`);
        return { ok: false, error: { code: 'internal', message: 'The fake produced an invalid response.' } };
      }
      return { ok: true, data: structuredClone(checked.data) };
    } catch (error) {
      if (error instanceof FakeIpcError) return { ok: false, error: { code: error.code, message: error.message } };
      throw error;
    }
  }

  /** As the backend does: only a call of the clinic that is in progress can be acted on. */
  private callAction(callId: string, action: CallActionKind, detail: string | null): CallAction {
    const call = this.world.calls.find((c) => c.id === callId);
    if (!call) throw new FakeIpcError('not_found', 'Call not found');
    if (call.status !== 'in-progress') throw new FakeIpcError('conflict', 'This call has ended: there is nothing left to control.');
    const recorded: CallAction = {
      id: id(),
      callId,
      action,
      staffId: this.world.user.id,
      staffName: this.world.user.name,
      detail,
      at: new Date().toISOString(),
    };
    this.callActions.push(recorded);
    return recorded;
  }

  /** Every live call action taken through the bridge. */
  readonly callActions: CallAction[] = [];
  /** The signed-in staff member's own number for taking calls (E.164). */
  transferNumber: string | null = null;
  private workItem(itemId: string): WorkItem {
    const item = this.world.workItems.find((w) => w.id === itemId);
    if (!item) throw new FakeIpcError('not_found', 'Work item not found');
    return item;
  }

  /** Stores a change as the backend does: each version newer than the last, and a line on its history. */
  private saveWorkItem(
    item: WorkItem,
    action: WorkItemAction,
    entry: Partial<Pick<WorkItemHistoryEntry, 'callId' | 'outcome' | 'note'>> = {},
  ): WorkItem {
    const before = this.workItem(item.id);
    const saved = { ...item, updatedAt: new Date(Math.max(Date.now(), Date.parse(before.updatedAt) + 1)).toISOString() };
    this.world.workItems = this.world.workItems.map((w) => (w.id === item.id ? saved : w));
    const history = this.world.workItemHistory.get(item.id) ?? [];
    this.world.workItemHistory.set(item.id, [
      ...history,
      { id: id(), at: saved.updatedAt, action, staff: this.me(), callId: null, outcome: null, note: null, ...entry },
    ]);
    return saved;
  }

  private me() {
    return { id: this.world.user.id, name: this.world.user.name };
  }

  /** As the backend does: the clinic's configuration is an administrator's to change. */
  private adminOnly(what: string): void {
    if (this.world.user.role !== 'admin') throw new FakeIpcError('forbidden', `Only a clinic administrator can change ${what}.`);
  }

  private staffMember(staffId: string): StaffMember {
    this.adminOnly('staff');
    const member = this.world.staff.find((m) => m.id === staffId);
    if (!member) throw new FakeIpcError('not_found', 'Staff member not found');
    return member;
  }

  /** Initial passwords handed out, in order (invites and resets). */
  readonly initialPasswords: string[] = [];
  private newInitialPassword(): string {
    const password = `Initial-${String(this.initialPasswords.length + 1).padStart(12, '0')}`;
    this.initialPasswords.push(password);
    return password;
  }

  private setSession(session: SessionState): SessionState {
    this.world.session = session;
    this.push('session.onState', session);
    return session;
  }

  // Default behaviour: a small, faithful main process + backend over the in-memory world.
  private readonly defaults: { [C in IpcInvokeChannel]: Handler<C> } = {
    'app.getInfo': () => this.world.appInfo,
    'app.openExternal': () => null,

    'session.getState': () => this.world.session,
    'session.login': ({ email, password }) => {
      if (email !== this.world.user.email || password !== this.world.password) {
        throw new FakeIpcError('invalid_credentials', 'That email and password do not match.');
      }
      return this.setSession(signedIn(this.world.user));
    },
    'session.logout': () => this.setSession({ status: 'signed-out', reason: null }),
    'session.lock': () => this.setSession({ status: 'locked', user: this.world.user }),
    'session.unlock': ({ password }) => {
      if (password !== this.world.password) throw new FakeIpcError('invalid_credentials', 'That password is not right.');
      const session = this.setSession(signedIn(this.world.user));
      // As main does: it held the live stream back while locked, so the renderer reloads.
      this.pushEvents([], true);
      return session;
    },
    'session.reportActivity': () => null,

    'connection.getState': () => this.world.connection,
    'connection.retryNow': () => {
      this.world.connection = { ...this.world.connection, status: 'connecting', nextRetryAt: null };
      return this.world.connection;
    },

    'dashboard.getStats': () => this.world.stats,
    'calls.list': (query) => {
      const q = query.q?.toLowerCase();
      const matches = this.world.calls
        .filter((c) => !query.status || c.status === query.status)
        .filter((c) => !query.direction || c.direction === query.direction)
        .filter((c) => !query.outcome || c.outcome === query.outcome)
        .filter((c) => !query.from || c.createdAt.slice(0, 10) >= query.from)
        .filter((c) => !query.to || c.createdAt.slice(0, 10) <= query.to)
        .filter((c) => !q || [c.callerNumber, c.patientName, c.summary].some((field) => field?.toLowerCase().includes(q)))
        .sort(newestFirst);
      const start = query.cursor ? Number(query.cursor) : 0;
      const items = matches.slice(start, start + query.limit);
      const next = start + query.limit;
      return { items, nextCursor: next < matches.length ? String(next) : null };
    },
    'calls.get': ({ id: callId }) => {
      const detail = this.world.callDetails.get(callId);
      if (detail) return detail;
      const call = this.world.calls.find((c) => c.id === callId);
      if (!call) throw new FakeIpcError('not_found', 'That call does not exist.');
      return makeCallDetail(call);
    },
    'callControl.coach': ({ id: callId, text }) => this.callAction(callId, 'coach', text),
    'callControl.say': ({ id: callId, text }) => this.callAction(callId, 'say', text),
    'callControl.transfer': ({ id: callId, to }) =>
      this.callAction(callId, 'transfer', to !== 'clinic' && this.transferNumber ? '+44••••••••11' : '+44••••••••99'),
    'callControl.getTransferNumber': () => ({ staffId: this.world.user.id, transferNumber: this.transferNumber }),
    'callControl.setTransferNumber': ({ transferNumber }) => {
      // As main does: normalise as typed, refuse what is not a number.
      const normalized = transferNumber === null ? null : normalizePhoneNumber(transferNumber);
      if (normalized && !normalized.ok) throw new FakeIpcError('invalid_phone_number', normalized.message);
      this.transferNumber = normalized ? normalized.e164 : null;
      return { staffId: this.world.user.id, transferNumber: this.transferNumber };
    },
    'callControl.end': ({ id: callId }) => this.callAction(callId, 'end', null),
    'bookings.list': (query) => {
      const from = query.from ?? this.world.stats.date;
      const to = query.to ?? this.world.stats.date;
      const items = this.world.bookings
        .filter((b) => b.startsAt.slice(0, 10) >= from && b.startsAt.slice(0, 10) <= to)
        .filter((b) => !query.status || b.status === query.status);
      return { items };
    },
    'bookings.update': ({ id: bookingId, patch }) => {
      const booking = this.world.bookings.find((b) => b.id === bookingId);
      if (!booking) throw new FakeIpcError('not_found', 'That booking does not exist.');
      const updatedAt = new Date().toISOString();
      const next: Booking =
        patch.action === 'confirm'
          ? { ...booking, status: 'confirmed', updatedAt }
          : patch.action === 'cancel'
            ? { ...booking, status: 'cancelled', updatedAt }
            : { ...booking, startsAt: patch.startsAt, endsAt: patch.endsAt ?? booking.endsAt, updatedAt };
      this.world.bookings = this.world.bookings.map((b) => (b.id === bookingId ? next : b));
      return next;
    },

    'workItems.list': (query) => {
      const matches = this.world.workItems
        .filter((w) => (query.status === 'active' ? w.status !== 'done' : w.status === query.status))
        .filter((w) => !query.kind || w.kind === query.kind)
        .sort(queueOrder);
      const start = query.cursor ? Number(query.cursor) : 0;
      const next = start + query.limit;
      return {
        items: matches.slice(start, next),
        nextCursor: next < matches.length ? String(next) : null,
        counts: countsOf(this.world.workItems),
      };
    },
    'workItems.get': ({ id: itemId }) => ({ item: this.workItem(itemId), history: this.world.workItemHistory.get(itemId) ?? [] }),
    'workItems.claim': ({ id: itemId, takeOver }) => {
      const item = this.workItem(itemId);
      if (item.status === 'done') throw new FakeIpcError('conflict', 'This item is already done; reopen it first.');
      if (item.status === 'claimed' && item.claimedBy && item.claimedBy.id !== this.world.user.id && !takeOver) {
        throw new FakeIpcError('conflict', `${item.claimedBy.name} is already on this item.`);
      }
      const now = new Date().toISOString();
      const takenOver = item.status === 'claimed' && item.claimedBy?.id !== this.world.user.id;
      return this.saveWorkItem(
        { ...item, status: 'claimed', claimedBy: this.me(), claimedAt: now, updatedAt: now },
        'claimed',
        takenOver ? { note: 'Took it over.' } : {},
      );
    },
    'workItems.release': ({ id: itemId }) => {
      const item = this.workItem(itemId);
      return this.saveWorkItem(
        { ...item, status: 'open', claimedBy: null, claimedAt: null, updatedAt: new Date().toISOString() },
        'released',
      );
    },
    'workItems.done': ({ id: itemId, outcome, note }) => {
      const item = this.workItem(itemId);
      const now = new Date().toISOString();
      return this.saveWorkItem(
        {
          ...item,
          status: 'done',
          outcome,
          note: note ?? null,
          doneBy: this.me(),
          doneAt: now,
          claimedBy: null,
          claimedAt: null,
          updatedAt: now,
        },
        'done',
        { outcome, note: note ?? null },
      );
    },
    'workItems.reopen': ({ id: itemId }) => {
      const item = this.workItem(itemId);
      return this.saveWorkItem(
        { ...item, status: 'open', outcome: null, doneBy: null, doneAt: null, updatedAt: new Date().toISOString() },
        'reopened',
      );
    },
    'workItems.callBack': ({ id: itemId }) => {
      const item = this.workItem(itemId);
      const now = new Date().toISOString();
      const callId = id();
      return {
        item: this.saveWorkItem({ ...item, status: 'claimed', claimedBy: this.me(), claimedAt: now, updatedAt: now }, 'callback_started', {
          callId,
        }),
        callId,
      };
    },

    'agent.get': () => this.world.agent,
    'agent.update': ({ personality }) => {
      this.adminOnly('the assistant');
      this.world.agent = {
        ...this.world.agent,
        personality,
        sync: { status: 'pending', message: null, syncedAt: this.world.agent.sync.syncedAt },
        updatedAt: new Date().toISOString(),
      };
      return this.world.agent;
    },
    'testCalls.phone': ({ phoneNumber }) => {
      const parsed = normalizePhoneNumber(phoneNumber);
      if (!parsed.ok) throw new FakeIpcError('invalid_phone_number', parsed.message);
      if (this.testCallIds.length >= this.testCallLimit) {
        throw new FakeIpcError('rate_limited', 'Wait a minute before placing another test call.');
      }
      const callId = id();
      this.testCallIds.push(callId);
      return { callId };
    },

    'phoneNumbers.list': () => ({ items: this.world.phoneNumbers }),
    'phoneNumbers.connect': ({ phoneNumber }) => {
      const number: PhoneNumber = {
        id: id(),
        number: phoneNumber,
        provider: 'twilio',
        status: 'active',
        assistantAttached: true,
        statusMessage: null,
        connectedAt: new Date().toISOString(),
      };
      this.world.phoneNumbers = [number, ...this.world.phoneNumbers];
      return number;
    },
    'phoneNumbers.disconnect': ({ id: numberId }) => {
      this.world.phoneNumbers = this.world.phoneNumbers.filter((n) => n.id !== numberId);
      return null;
    },

    'knowledge.list': () => ({ items: this.world.knowledge }),
    'knowledge.upload': ({ uploadId, filename, data }) => {
      this.adminOnly('the knowledge base');
      const half = Math.floor(data.byteLength / 2);
      this.push('knowledge.onUploadProgress', { uploadId, sentBytes: half, totalBytes: data.byteLength });
      this.push('knowledge.onUploadProgress', { uploadId, sentBytes: data.byteLength, totalBytes: data.byteLength });
      const lower = filename.toLowerCase();
      const document: KnowledgeDocument = {
        id: id(),
        filename,
        mimeType: lower.endsWith('.pdf') ? 'application/pdf' : lower.endsWith('.txt') ? 'text/plain' : 'text/markdown',
        sizeBytes: data.byteLength,
        status: 'processing',
        statusMessage: null,
        createdAt: new Date().toISOString(),
      };
      this.world.knowledge = [document, ...this.world.knowledge];
      return document;
    },
    'knowledge.delete': ({ id: documentId }) => {
      this.adminOnly('the knowledge base');
      this.world.knowledge = this.world.knowledge.filter((d) => d.id !== documentId);
      return null;
    },

    'webTest.diagnostics': () => this.world.webTest,

    'updates.getState': () => this.world.update,
    'updates.restart': () => {
      if (this.world.update.status !== 'ready') throw new FakeIpcError('not_found', 'No update is ready to install.');
      this.restarts++;
      return null;
    },

    'auditLog.list': (query) => {
      this.adminOnly('the activity log');
      const matches = this.world.auditLog
        .filter((e) => !query.actor || e.actor?.staffId === query.actor)
        .filter((e) => !query.action || e.action === query.action)
        .filter((e) => !query.objectId || e.objectId === query.objectId)
        .filter((e) => !query.from || e.at.slice(0, 10) >= query.from)
        .filter((e) => !query.to || e.at.slice(0, 10) <= query.to);
      const start = query.cursor ? Number(query.cursor) : 0;
      const next = start + query.limit;
      return { items: matches.slice(start, next), nextCursor: next < matches.length ? String(next) : null };
    },
    'auditLog.exportCsv': () => {
      this.adminOnly('the activity log');
      return { filename: 'activity-2026-03-02.csv', csv: this.world.auditCsv };
    },
    'staff.list': () => {
      this.adminOnly('staff');
      return { items: this.world.staff };
    },
    'staff.invite': ({ email, name, role }) => {
      this.adminOnly('staff');
      const lower = email.toLowerCase();
      if (this.world.staff.some((m) => m.email === lower))
        throw new FakeIpcError('conflict', `Someone with the email ${lower} already has an account.`);
      const member: StaffMember = { id: id(), email: lower, name, role, disabled: false, authProvider: 'local' };
      this.world.staff = [...this.world.staff, member];
      return { staff: member, initialPassword: this.newInitialPassword() };
    },
    'staff.update': ({ id: staffId, patch }) => {
      const before = this.staffMember(staffId);
      const after = { ...before, ...patch };
      const admins = this.world.staff.filter((m) => m.role === 'admin' && !m.disabled);
      if (before.role === 'admin' && !before.disabled && (after.role !== 'admin' || after.disabled) && admins.length <= 1)
        throw new FakeIpcError('conflict', 'A clinic needs at least one active administrator: make someone else one first.');
      this.world.staff = this.world.staff.map((m) => (m.id === staffId ? after : m));
      return after;
    },
    'staff.resetPassword': ({ id: staffId }) => {
      const member = this.staffMember(staffId);
      if (member.authProvider !== 'local')
        throw new FakeIpcError('conflict', `${member.email} signs in with Supabase Auth: reset the password there.`);
      return { staff: member, initialPassword: this.newInitialPassword(), revokedSessions: 1 };
    },
    'staff.signOutEverywhere': ({ id: staffId }) => ({ staff: this.staffMember(staffId), revokedSessions: 2 }),
    'clinic.getSettings': () => this.world.clinicSettings,
    'clinic.updateSettings': (update) => {
      this.adminOnly('the clinic settings');
      const next = { ...this.world.clinicSettings, ...update };
      if (next.callRetentionDays < next.transcriptRetentionDays)
        throw new FakeIpcError('validation_failed', 'Calls cannot be kept for less time than their transcripts.');
      if (next.textBackFrom >= next.textBackUntil)
        throw new FakeIpcError('validation_failed', 'Invalid request body: textBackUntil is not after textBackFrom');
      this.world.clinicSettings = next;
      return next;
    },

    'settings.get': () => this.world.settings,
    'settings.update': (settings) => {
      this.world.settings = settings;
      this.push('settings.onChanged', settings);
      return settings;
    },
  };
}
