// Sign-in contract: login, refresh, logout and the signed-in front-desk user.
import { z } from 'zod';
import { IdSchema, isStorableText, text, UNSTORABLE_TEXT_MESSAGE } from './common.js';

export const RoleSchema = z.enum(['admin', 'front_desk']);
export type Role = z.infer<typeof RoleSchema>;

export const FrontDeskUserSchema = z.object({
  id: IdSchema,
  email: z.email().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
  name: text(),
  role: RoleSchema,
  clinicId: IdSchema,
  clinicName: text(),
});
export type FrontDeskUser = z.infer<typeof FrontDeskUserSchema>;

export const LoginRequestSchema = z.strictObject({
  email: z.email().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).max(254),
  password: text().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const SessionTokensSchema = z.object({
  accessToken: text(),
  refreshToken: text(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int().positive(),
  /** Sent back as `X-CSRF-Token` on every state-changing request; bound to this session. */
  csrfToken: text(),
});
export type SessionTokens = z.infer<typeof SessionTokensSchema>;

export const LoginResponseSchema = SessionTokensSchema.extend({ user: FrontDeskUserSchema });
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const RefreshRequestSchema = z.strictObject({ refreshToken: text().min(1).max(4096) });
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;
/** A refresh rotates the refresh token: the old one stops working. */
export const RefreshResponseSchema = LoginResponseSchema;
export type RefreshResponse = z.infer<typeof RefreshResponseSchema>;

export const LogoutRequestSchema = z.strictObject({ refreshToken: text().min(1).max(4096).optional() });
export type LogoutRequest = z.infer<typeof LogoutRequestSchema>;

export const MeResponseSchema = z.object({ user: FrontDeskUserSchema });
export type MeResponse = z.infer<typeof MeResponseSchema>;

/** Header names, in one place. */
export const CSRF_HEADER = 'x-csrf-token';
