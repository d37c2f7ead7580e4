// The embedded database has one writer. PGlite is Postgres in this process, with no server to arbitrate:
// a second process opening the same DATA_DIR/pglite (the operator CLI while the backend runs, a second
// backend) writes the same files behind the first one's back, and the first never sees its changes.
//
// So whoever opens it first holds DATA_DIR/database.lock, {pid, port, role, startedAt, token}, and
// everyone else refuses with one line (exit 75, EX_TEMPFAIL) saying who holds it. A lock whose process
// is gone (a crash, a SIGKILL) is taken over. Created atomically (link of a complete temporary file),
// so nobody ever reads half a lock.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StartupRefusal } from './data-dir.js';

export const LOCK_FILE = 'database.lock';
const EX_TEMPFAIL = 75;

export interface LockHolder {
  pid: number;
  /** Where the holding backend listens; null for the CLI or before it listens. */
  port: number | null;
  role: 'backend' | 'admin';
  startedAt: string;
  host: string;
  token: string;
}

export interface EmbeddedLock {
  /** Records the port the backend listens on (shown to whoever is refused). */
  setPort(port: number): void;
  /** Removes the lock if it is still ours. */
  release(): void;
}

export class DataDirBusy extends StartupRefusal {
  constructor(
    readonly holder: LockHolder,
    dataDir: string,
  ) {
    const who =
      holder.role === 'backend'
        ? `the backend (pid ${holder.pid}${holder.port ? `, port ${holder.port}` : ''})`
        : `the admin CLI (pid ${holder.pid})`;
    super(
      `${who} is using the embedded database in ${dataDir}: stop the backend or use DATABASE_URL (PGlite allows one process).`,
      EX_TEMPFAIL,
    );
    this.name = 'DataDirBusy';
  }
}

export function acquireEmbeddedLock(dataDir: string, role: LockHolder['role']): EmbeddedLock {
  const file = path.join(dataDir, LOCK_FILE);
  const mine: LockHolder = {
    pid: process.pid,
    port: null,
    role,
    startedAt: new Date().toISOString(),
    host: os.hostname(),
    token: randomBytes(12).toString('hex'),
  };
  for (let attempt = 1; !createExclusive(file, mine); attempt++) {
    const raw = safeRead(file);
    if (raw === null) continue; // released meanwhile: try again
    const seen = parseLock(raw);
    if (seen && isRunning(seen)) throw new DataDirBusy(seen, dataDir);
    if (attempt > 5) throw new DataDirBusy(seen ?? { ...mine, pid: 0 }, dataDir);
    // Stale (its process is gone) or unreadable: take it over, unless it changed since it was read
    // (another process took it over first; the next round finds that one running).
    if (safeRead(file) === raw) fs.rmSync(file, { force: true });
  }
  let holder = mine;
  return {
    setPort(port) {
      holder = { ...holder, port };
      if (ownedBy(file, holder.token)) replace(file, holder);
    },
    release() {
      if (ownedBy(file, holder.token)) fs.rmSync(file, { force: true });
    },
  };
}

function createExclusive(file: string, holder: LockHolder): boolean {
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(partial, JSON.stringify(holder), { mode: 0o600 });
  try {
    fs.linkSync(partial, file); // fails if the lock exists: creation and content in one step
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

function replace(file: string, holder: LockHolder): void {
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(partial, JSON.stringify(holder), { mode: 0o600 });
  fs.renameSync(partial, file);
}

function safeRead(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function parseLock(raw: string): LockHolder | null {
  try {
    const parsed = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string') return parsed as LockHolder;
  } catch {
    // not a lock this code wrote
  }
  return null;
}

function ownedBy(file: string, token: string): boolean {
  const raw = safeRead(file);
  return raw !== null && parseLock(raw)?.token === token;
}

/** Whether the lock's process still runs (this process is never its own rival: a restarted container's pid 1). */
function isRunning(holder: LockHolder): boolean {
  if (holder.pid === process.pid || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
  // A reused pid after a reboot: on Linux, only a Node process can be the holder.
  try {
    return fs.readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}
