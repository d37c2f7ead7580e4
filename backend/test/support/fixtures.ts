// Clinics and staff for integration tests, created through the same queries the product uses.
import { randomBytes } from 'node:crypto';
import type { Role, LoginResponse } from '@voxanne/protocol';
import type { Db } from '../../src/db/database.js';
import { createClinic, createStaff } from '../../src/clinics/clinic-queries.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { TEST_PASSWORD_COST } from './test-backend.js';

export const TEST_PASSWORD = 'correct horse battery staple';
let cachedHash: Promise<string> | undefined;

export interface TestStaff {
  clinicId: string;
  staffId: string;
  email: string;
  password: string;
}

export async function createClinicWithStaff(
  db: Db,
  options: { clinicName?: string; role?: Role; timeZone?: string } = {},
): Promise<TestStaff> {
  const clinic = await createClinic(db, {
    name: options.clinicName ?? `Clinic ${randomBytes(3).toString('hex')}`,
    timeZone: options.timeZone ?? 'Europe/London',
  });
  return addStaff(db, clinic.id, options.role ?? 'front_desk');
}

export async function addStaff(db: Db, clinicId: string, role: Role = 'front_desk'): Promise<TestStaff> {
  const email = `staff-${randomBytes(4).toString('hex')}@clinic.test`;
  const staff = await createStaff(db, {
    clinicId,
    email,
    name: 'Test Staff',
    role,
    passwordHash: await (cachedHash ??= hashPassword(TEST_PASSWORD, TEST_PASSWORD_COST)),
  });
  return { clinicId, staffId: staff.id, email, password: TEST_PASSWORD };
}

/** Signs in over real HTTP and returns the session plus a fetch wrapper that sends token and CSRF. */
export async function signIn(baseUrl: string, who: TestStaff): Promise<SignedIn> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const session = (await res.json()) as LoginResponse;
  return {
    session,
    api: (path, init = {}) =>
      fetch(`${baseUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          'x-csrf-token': session.csrfToken,
          ...(init.body !== undefined && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
  };
}

export interface SignedIn {
  session: LoginResponse;
  /** fetch against the backend with Authorization and X-CSRF-Token set. */
  api: (path: string, init?: RequestInit) => Promise<Response>;
}
