// The operator CLI (`npm run admin -- <command> ...`): onboard clinics and staff without SQL, against
// the same configuration and database as the backend (DATABASE_URL, or the embedded database in
// DATA_DIR). The embedded database allows one process: while a backend holds it (DATA_DIR/database.lock,
// db/embedded-lock.ts) the CLI refuses with exit 75 instead of writing behind the backend's back.
// `--json` prints exactly one JSON object on stdout (the result, or {"error":{...}}) for scripts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { openDatabase, type DatabaseHandle, type Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { secureDataDir, StartupRefusal } from '../db/data-dir.js';
import { acquireEmbeddedLock, DataDirBusy, type EmbeddedLock } from '../db/embedded-lock.js';
import {
  AdminError,
  createClinicCommand,
  createUserCommand,
  listClinicsCommand,
  listUsersCommand,
  resetPasswordCommand,
  setUserDisabledCommand,
  verifyAuditCommand,
} from './admin-commands.js';

/** sysexits.h codes, so scripts can tell a typo from a refused change from a dead database. */
const EXIT = { ok: 0, failure: 1, usage: 64, data: 65, unavailable: 69, busy: 75, config: 78 } as const;

const USAGE = `Usage: npm run admin -- <command> [options] [--json]

Commands:
  create-clinic  --name NAME [--time-zone IANA_ZONE]
  create-user    --clinic CLINIC_ID --email EMAIL --role admin|front_desk [--name NAME] --password-stdin
                 (with Supabase Auth configured: no password; the user signs in with their Supabase account)
  reset-password --email EMAIL --password-stdin      (signs the user out everywhere)
  disable-user   --email EMAIL                       (signs the user out everywhere)
  enable-user    --email EMAIL
  list-users     [--clinic CLINIC_ID]
  list-clinics
  verify-audit   --clinic CLINIC_ID                  (exit 65 and the first broken link if the log was altered)

Passwords are read from standard input, never from the command line:
  printf '%s' "$PASSWORD" | npm run admin -- reset-password --email desk@clinic.example --password-stdin
`;

class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;
type Output = { result: Record<string, unknown>; text: string; exitCode?: number };

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  'time-zone': { type: 'string' },
  clinic: { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

const ALLOWED: Record<string, Array<keyof typeof OPTIONS>> = {
  'create-clinic': ['name', 'time-zone'],
  'create-user': ['clinic', 'email', 'role', 'name', 'password-stdin'],
  'reset-password': ['email', 'password-stdin'],
  'disable-user': ['email'],
  'enable-user': ['email'],
  'list-users': ['clinic'],
  'list-clinics': [],
  'verify-audit': ['clinic'],
};

function required(values: Values, option: string): string {
  const value = values[option];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${option} is required`);
  return value;
}

async function readPasswordFromStdin(values: Values): Promise<string> {
  if (!values['password-stdin']) throw new UsageError('--password-stdin is required (the password is read from standard input)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the shell's, not the password's.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * Checks the command's options and reads its password (usage errors come before the database is
 * opened, which takes seconds with the embedded one), then returns the work to run against it.
 */
async function prepare(command: string, values: Values, config: Config): Promise<(db: Db) => Promise<Output>> {
  switch (command) {
    case 'create-clinic': {
      const name = required(values, 'name');
      const timeZone = values['time-zone'] as string | undefined;
      return async (db) => {
        const result = await createClinicCommand(db, { name, timeZone });
        return { result, text: `Created clinic "${result.name}" (${result.timeZone}): ${result.clinicId}` };
      };
    }
    case 'create-user': {
      const supabase = config.auth.supabase !== undefined;
      if (supabase && values['password-stdin']) {
        throw new UsageError('Supabase Auth is configured: create the user’s password in Supabase, not here (drop --password-stdin)');
      }
      const input = {
        clinicId: required(values, 'clinic'),
        email: required(values, 'email'),
        role: required(values, 'role'),
        name: values.name as string | undefined,
        password: supabase ? null : await readPasswordFromStdin(values),
        authProvider: supabase ? ('supabase' as const) : ('local' as const),
      };
      return async (db) => {
        const result = await createUserCommand(db, input);
        const how = supabase ? ' (signs in with their Supabase account, linked on first sign-in)' : '';
        return { result, text: `Created ${result.role} ${result.email}${how}: ${result.userId}` };
      };
    }
    case 'reset-password': {
      const email = required(values, 'email');
      const password = await readPasswordFromStdin(values);
      return async (db) => {
        const result = await resetPasswordCommand(db, { email, password });
        return { result, text: `Password of ${result.email} reset; ${result.revokedSessions} session(s) signed out.` };
      };
    }
    case 'disable-user':
    case 'enable-user': {
      const email = required(values, 'email');
      return async (db) => {
        const result = await setUserDisabledCommand(db, { email, disabled: command === 'disable-user' });
        const text = result.disabled
          ? `Disabled ${result.email}; ${result.revokedSessions} session(s) signed out.`
          : `Enabled ${result.email}; they can sign in again.`;
        return { result, text };
      };
    }
    case 'list-users': {
      const clinicId = values.clinic as string | undefined;
      return async (db) => {
        const result = await listUsersCommand(db, { clinicId });
        const lines = result.users.map(
          (u) =>
            `${u.userId}  ${u.role.padEnd(10)}  ${u.email}  ${u.clinicName}${u.authProvider === 'supabase' ? '  [supabase]' : ''}${u.disabled ? '  [disabled]' : ''}`,
        );
        return { result, text: lines.length ? lines.join('\n') : 'No users.' };
      };
    }
    case 'list-clinics':
      return async (db) => {
        const result = await listClinicsCommand(db);
        const lines = result.clinics.map((c) => `${c.clinicId}  ${c.name}  (${c.timeZone}, ${c.users} user${c.users === 1 ? '' : 's'})`);
        return { result, text: lines.length ? lines.join('\n') : 'No clinics yet: create one with create-clinic.' };
      };
    case 'verify-audit': {
      const clinicId = required(values, 'clinic');
      return async (db) => {
        const result = await verifyAuditCommand(db, { clinicId });
        const text = result.firstBroken
          ? `Audit log of ${clinicId} is BROKEN at entry ${result.firstBroken.seq}${result.firstBroken.id ? ` (${result.firstBroken.id})` : ''}: ${result.firstBroken.reason}.`
          : `Audit log of ${clinicId} is intact: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'} verified.`;
        return { result: { ...result }, text, exitCode: result.ok ? EXIT.ok : EXIT.data };
      };
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function parse(argv: string[]): { command: string; values: Values } {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [command, ...extra] = positionals;
  if (!command || values.help) throw new UsageError('');
  if (!(command in ALLOWED)) throw new UsageError(`unknown command "${command}"`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  for (const option of Object.keys(values)) {
    if (option !== 'json' && !ALLOWED[command]!.includes(option as keyof typeof OPTIONS)) {
      throw new UsageError(`--${option} does not apply to ${command}`);
    }
  }
  return { command, values };
}

function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', '3D000', '28P01', '28000'].includes(code);
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const fail = (exitCode: number, code: string, message: string) => {
    if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    process.stderr.write(`admin: ${message}\n`);
    return exitCode;
  };

  let command: string;
  let values: Values;
  try {
    ({ command, values } = parse(argv));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message && !json) {
      process.stdout.write(USAGE);
      return argv.includes('--help') || argv.includes('-h') ? EXIT.ok : EXIT.usage;
    }
    if (!json) process.stderr.write(USAGE);
    return fail(EXIT.usage, 'usage', message || 'a command is required');
  }

  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(EXIT.config, 'config', error.message);
    throw error;
  }

  let database: DatabaseHandle | undefined;
  let lock: EmbeddedLock | undefined;
  try {
    const work = await prepare(command, values, config);
    if (config.database.kind === 'pglite') {
      secureDataDir(config.dataDir);
      lock = acquireEmbeddedLock(config.dataDir, 'admin');
    }
    database = await openDatabase(config.database);
    await migrate(database.db);
    const { result, text, exitCode } = await work(database.db);
    process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${text}\n`);
    return exitCode ?? EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT.usage, 'usage', error.message);
    if (error instanceof DataDirBusy) return fail(EXIT.busy, 'busy', error.message);
    if (error instanceof StartupRefusal) return fail(error.exitCode, 'config', error.message);
    if (error instanceof AdminError) return fail(EXIT.data, error.kind, error.message);
    if (isConnectionFailure(error)) {
      return fail(EXIT.unavailable, 'database_unavailable', `cannot reach the database: ${(error as Error).message}`);
    }
    return fail(EXIT.failure, 'internal', `failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await database?.close();
    lock?.release();
  }
}

// Whatever it creates in DATA_DIR (a new embedded database) is owner-only, as with the backend.
process.umask(0o077);
process.exit(await main(process.argv.slice(2)));
