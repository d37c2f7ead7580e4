// The REST surface in one table: method, path, request schema and response schema per route.
// The backend mounts these paths; main/core's API client calls them. Paths with `:id` take a uuid.
import type { z } from 'zod';
import {
  LoginRequestSchema,
  LoginResponseSchema,
  LogoutRequestSchema,
  MeResponseSchema,
  RefreshRequestSchema,
  RefreshResponseSchema,
} from './auth.js';
import {
  CallActionSchema,
  CoachRequestSchema,
  ListenTicketResponseSchema,
  TransferNumberResponseSchema,
  TransferNumberUpdateSchema,
  SayRequestSchema,
  TransferRequestSchema,
} from './call-control.js';
import { CallDetailSchema, CallListQuerySchema, CallListResponseSchema } from './calls.js';
import { BookingListQuerySchema, BookingListResponseSchema, BookingPatchSchema, BookingResponseSchema } from './bookings.js';
import { DashboardStatsSchema } from './stats.js';
import { AgentResponseSchema, AgentUpdateRequestSchema } from './agent.js';
import {
  ConnectPhoneNumberRequestSchema,
  ConnectPhoneNumberResponseSchema,
  PhoneNumberListResponseSchema,
  PhoneTestCallRequestSchema,
  PhoneTestCallResponseSchema,
} from './telephony.js';
import { KnowledgeListResponseSchema, KnowledgeUploadResponseSchema } from './knowledge.js';
import { WebTestDiagnosticsSchema } from './web-test.js';
import {
  AuditExportQuerySchema,
  AuditListQuerySchema,
  AuditListResponseSchema,
  ClinicSettingsResponseSchema,
  ClinicSettingsUpdateSchema,
  StaffInviteRequestSchema,
  StaffInviteResponseSchema,
  StaffListResponseSchema,
  StaffPasswordResetResponseSchema,
  StaffResponseSchema,
  StaffSignOutResponseSchema,
  StaffUpdateRequestSchema,
} from './compliance.js';
import {
  WorkItemCallbackResponseSchema,
  WorkItemClaimRequestSchema,
  WorkItemDetailResponseSchema,
  WorkItemDoneRequestSchema,
  WorkItemListQuerySchema,
  WorkItemListResponseSchema,
  WorkItemResponseSchema,
} from './work-items.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export interface ApiRoute {
  method: Method;
  path: string;
  /** Success status. */
  status: 200 | 201 | 202 | 204;
  /** Needs `Authorization: Bearer <accessToken>`. */
  auth: boolean;
  /** Needs `X-CSRF-Token` (every state-changing route that is authenticated by an access token). */
  csrf: boolean;
  query?: z.ZodType;
  body?: z.ZodType;
  /** `multipart/form-data` with one `file` field. */
  multipart?: true;
  /** Answers `text/csv`: the client hands the body over as text. */
  csv?: true;
  response?: z.ZodType;
}

export const apiRoutes = {
  // Login and refresh carry their own credential and create the session the CSRF token binds to.
  login: {
    method: 'POST',
    path: '/api/auth/login',
    status: 200,
    auth: false,
    csrf: false,
    body: LoginRequestSchema,
    response: LoginResponseSchema,
  },
  refresh: {
    method: 'POST',
    path: '/api/auth/refresh',
    status: 200,
    auth: false,
    csrf: false,
    body: RefreshRequestSchema,
    response: RefreshResponseSchema,
  },
  logout: { method: 'POST', path: '/api/auth/logout', status: 204, auth: true, csrf: true, body: LogoutRequestSchema },
  me: { method: 'GET', path: '/api/me', status: 200, auth: true, csrf: false, response: MeResponseSchema },

  dashboardStats: { method: 'GET', path: '/api/dashboard/stats', status: 200, auth: true, csrf: false, response: DashboardStatsSchema },
  listCalls: {
    method: 'GET',
    path: '/api/calls',
    status: 200,
    auth: true,
    csrf: false,
    query: CallListQuerySchema,
    response: CallListResponseSchema,
  },
  getCall: { method: 'GET', path: '/api/calls/:id', status: 200, auth: true, csrf: false, response: CallDetailSchema },
  // Live call control: any staff member of the clinic, on a call in progress.
  listenToCall: {
    method: 'POST',
    path: '/api/calls/:id/listen',
    status: 201,
    auth: true,
    csrf: true,
    response: ListenTicketResponseSchema,
  },
  coachCall: {
    method: 'POST',
    path: '/api/calls/:id/coach',
    status: 200,
    auth: true,
    csrf: true,
    body: CoachRequestSchema,
    response: CallActionSchema,
  },
  sayOnCall: {
    method: 'POST',
    path: '/api/calls/:id/say',
    status: 200,
    auth: true,
    csrf: true,
    body: SayRequestSchema,
    response: CallActionSchema,
  },
  transferCall: {
    method: 'POST',
    path: '/api/calls/:id/transfer',
    status: 200,
    auth: true,
    csrf: true,
    body: TransferRequestSchema,
    response: CallActionSchema,
  },
  endCall: { method: 'POST', path: '/api/calls/:id/end', status: 200, auth: true, csrf: true, response: CallActionSchema },
  // A staff member's own number for taking calls: their own, or anyone's in the clinic for an administrator.
  getTransferNumber: {
    method: 'GET',
    path: '/api/staff/:id/transfer-number',
    status: 200,
    auth: true,
    csrf: false,
    response: TransferNumberResponseSchema,
  },
  setTransferNumber: {
    method: 'PUT',
    path: '/api/staff/:id/transfer-number',
    status: 200,
    auth: true,
    csrf: true,
    body: TransferNumberUpdateSchema,
    response: TransferNumberResponseSchema,
  },
  listBookings: {
    method: 'GET',
    path: '/api/bookings',
    status: 200,
    auth: true,
    csrf: false,
    query: BookingListQuerySchema,
    response: BookingListResponseSchema,
  },
  updateBooking: {
    method: 'PATCH',
    path: '/api/bookings/:id',
    status: 200,
    auth: true,
    csrf: true,
    body: BookingPatchSchema,
    response: BookingResponseSchema,
  },

  getAgent: { method: 'GET', path: '/api/agent', status: 200, auth: true, csrf: false, response: AgentResponseSchema },
  updateAgent: {
    method: 'PUT',
    path: '/api/agent',
    status: 200,
    auth: true,
    csrf: true,
    body: AgentUpdateRequestSchema,
    response: AgentResponseSchema,
  },

  phoneTestCall: {
    method: 'POST',
    path: '/api/test-calls/phone',
    status: 202,
    auth: true,
    csrf: true,
    body: PhoneTestCallRequestSchema,
    response: PhoneTestCallResponseSchema,
  },
  listPhoneNumbers: {
    method: 'GET',
    path: '/api/phone-numbers',
    status: 200,
    auth: true,
    csrf: false,
    response: PhoneNumberListResponseSchema,
  },
  connectPhoneNumber: {
    method: 'POST',
    path: '/api/phone-numbers',
    status: 201,
    auth: true,
    csrf: true,
    body: ConnectPhoneNumberRequestSchema,
    response: ConnectPhoneNumberResponseSchema,
  },
  disconnectPhoneNumber: { method: 'DELETE', path: '/api/phone-numbers/:id', status: 204, auth: true, csrf: true },

  listKnowledge: {
    method: 'GET',
    path: '/api/knowledge-base',
    status: 200,
    auth: true,
    csrf: false,
    response: KnowledgeListResponseSchema,
  },
  uploadKnowledge: {
    method: 'POST',
    path: '/api/knowledge-base',
    status: 201,
    auth: true,
    csrf: true,
    multipart: true,
    response: KnowledgeUploadResponseSchema,
  },
  deleteKnowledge: { method: 'DELETE', path: '/api/knowledge-base/:id', status: 204, auth: true, csrf: true },

  // Administrators only; the export answers text/csv and is itself logged.
  listAuditLog: {
    method: 'GET',
    path: '/api/audit-log',
    status: 200,
    auth: true,
    csrf: false,
    query: AuditListQuerySchema,
    response: AuditListResponseSchema,
  },
  exportAuditLog: {
    method: 'GET',
    path: '/api/audit-log.csv',
    status: 200,
    auth: true,
    csrf: false,
    csv: true,
    query: AuditExportQuerySchema,
  },

  getClinicSettings: {
    method: 'GET',
    path: '/api/clinic/settings',
    status: 200,
    auth: true,
    csrf: false,
    response: ClinicSettingsResponseSchema,
  },
  // Administrators only.
  updateClinicSettings: {
    method: 'PUT',
    path: '/api/clinic/settings',
    status: 200,
    auth: true,
    csrf: true,
    body: ClinicSettingsUpdateSchema,
    response: ClinicSettingsResponseSchema,
  },
  /** Erases a patient on request (administrators only): see docs/compliance.md. */
  erasePatient: { method: 'DELETE', path: '/api/patients/:id', status: 204, auth: true, csrf: true },

  // Staff management: administrators only. A role change or a disable ends the person's sessions.
  listStaff: { method: 'GET', path: '/api/staff', status: 200, auth: true, csrf: false, response: StaffListResponseSchema },
  inviteStaff: {
    method: 'POST',
    path: '/api/staff',
    status: 201,
    auth: true,
    csrf: true,
    body: StaffInviteRequestSchema,
    response: StaffInviteResponseSchema,
  },
  updateStaff: {
    method: 'PATCH',
    path: '/api/staff/:id',
    status: 200,
    auth: true,
    csrf: true,
    body: StaffUpdateRequestSchema,
    response: StaffResponseSchema,
  },
  /** Local sign-in only: a new initial password shown once; ends the person's sessions. */
  resetStaffPassword: {
    method: 'POST',
    path: '/api/staff/:id/reset-password',
    status: 200,
    auth: true,
    csrf: true,
    response: StaffPasswordResetResponseSchema,
  },
  /** Ends every session of the person (their open consoles drop their live sockets). */
  signOutStaffEverywhere: {
    method: 'POST',
    path: '/api/staff/:id/sign-out-everywhere',
    status: 200,
    auth: true,
    csrf: true,
    response: StaffSignOutResponseSchema,
  },

  webTestDiagnostics: {
    method: 'GET',
    path: '/api/web-test/diagnostics',
    status: 200,
    auth: true,
    csrf: false,
    response: WebTestDiagnosticsSchema,
  },

  listWorkItems: {
    method: 'GET',
    path: '/api/work-items',
    status: 200,
    auth: true,
    csrf: false,
    query: WorkItemListQuerySchema,
    response: WorkItemListResponseSchema,
  },
  getWorkItem: { method: 'GET', path: '/api/work-items/:id', status: 200, auth: true, csrf: false, response: WorkItemDetailResponseSchema },
  claimWorkItem: {
    method: 'POST',
    path: '/api/work-items/:id/claim',
    status: 200,
    auth: true,
    csrf: true,
    body: WorkItemClaimRequestSchema,
    response: WorkItemResponseSchema,
  },
  releaseWorkItem: {
    method: 'POST',
    path: '/api/work-items/:id/release',
    status: 200,
    auth: true,
    csrf: true,
    response: WorkItemResponseSchema,
  },
  doneWorkItem: {
    method: 'POST',
    path: '/api/work-items/:id/done',
    status: 200,
    auth: true,
    csrf: true,
    body: WorkItemDoneRequestSchema,
    response: WorkItemResponseSchema,
  },
  reopenWorkItem: {
    method: 'POST',
    path: '/api/work-items/:id/reopen',
    status: 200,
    auth: true,
    csrf: true,
    response: WorkItemResponseSchema,
  },
  callBackWorkItem: {
    method: 'POST',
    path: '/api/work-items/:id/callback',
    status: 202,
    auth: true,
    csrf: true,
    response: WorkItemCallbackResponseSchema,
  },
} as const satisfies Record<string, ApiRoute>;

export type ApiRouteName = keyof typeof apiRoutes;

/** Fills `:id` in a route path. */
export function routePath(name: ApiRouteName, params: { id?: string } = {}): string {
  const path: string = apiRoutes[name].path;
  if (!path.includes(':id')) return path;
  if (!params.id) throw new Error(`route ${name} needs an id`);
  return path.replace(':id', encodeURIComponent(params.id));
}
