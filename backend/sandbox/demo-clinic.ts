// The demo clinic that sandbox mode starts with, so `npm install && npm start` has someone to sign in
// as. Never created in production (config.sandbox.seedDemo is false there). The generated password
// is kept in DATA_DIR (0600) so every start can say it again.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../src/db/database.js';
import { hashPassword } from '../src/auth/passwords.js';
import { createClinic, createStaff, findStaffByEmail } from '../src/clinics/clinic-queries.js';
import { defaultPersonality } from '../src/agent/agent-service.js';

export const DEMO_CLINIC_NAME = 'Riverside Family Clinic';
export const DEMO_TIME_ZONE = 'Europe/London';
/** Where the demo assistant transfers callers (Ofcom's drama range for Leeds: valid, never a real line). */
export const DEMO_FRONT_DESK_NUMBER = '+441134960999';
export const DEMO_LOGINS = [
  { email: 'frontdesk@demo.voxanne.test', name: 'Front Desk', role: 'front_desk' },
  { email: 'admin@demo.voxanne.test', name: 'Clinic Admin', role: 'admin' },
] as const;

export interface DemoClinic {
  clinicId: string;
  password: string;
  /** False when the clinic already existed. */
  created: boolean;
}

export async function ensureDemoClinic(db: Db, dataDir: string, configuredPassword: string | undefined): Promise<DemoClinic> {
  const password = configuredPassword ?? readOrCreatePassword(dataDir);
  const existing = await findStaffByEmail(db, DEMO_LOGINS[0].email);
  if (existing) return { clinicId: existing.clinicId, password, created: false };

  const passwordHash = await hashPassword(password);
  const clinicId = await db.transaction().execute(async (tx) => {
    const clinic = await createClinic(tx, { name: DEMO_CLINIC_NAME, timeZone: DEMO_TIME_ZONE });
    for (const login of DEMO_LOGINS) {
      await createStaff(tx, { clinicId: clinic.id, email: login.email, name: login.name, role: login.role, passwordHash });
    }
    // A front-desk line, so callers who ask for a person are really put through in the sandbox.
    const personality = {
      ...defaultPersonality({ name: DEMO_CLINIC_NAME, timeZone: DEMO_TIME_ZONE }),
      transferNumber: DEMO_FRONT_DESK_NUMBER,
    };
    await tx
      .insertInto('agents')
      .values({ clinic_id: clinic.id, personality: JSON.stringify(personality), sync_status: 'pending', updated_at: new Date() })
      .execute();
    return clinic.id;
  });
  return { clinicId, password, created: true };
}

/** Where a generated demo password is kept (owner-only; `npm start` reads it to print it). */
export function demoPasswordFile(dataDir: string): string {
  return path.join(dataDir, 'demo-password');
}

function readOrCreatePassword(dataDir: string): string {
  const file = demoPasswordFile(dataDir);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const password = `demo-${randomBytes(6).toString('base64url')}`;
  fs.writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}
