// DATA_DIR holds the embedded database (pglite/), the generated JWT secret, the demo password and the
// sandbox's control key: owner-only, always. Created 0700; an existing one is tightened at every start
// (directories 0700, files 0600; symbolic links are never followed). PGlite writes its files itself,
// some 0666 whatever the umask (its initdb image), so the embedded database's folder is tightened
// again once it is open, and the server and CLI run with umask 077 for everything created later.
//
// A DATA_DIR others can write to and that cannot be fixed (it belongs to another user) is refused:
// whoever can write there can replace the database or the secret.
import fs from 'node:fs';
import path from 'node:path';

/** A reason not to start, said in one line; the process exits with `exitCode` (sysexits.h). */
export class StartupRefusal extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'StartupRefusal';
  }
}

const EX_CONFIG = 78;
const GROUP_OR_OTHER_WRITE = 0o022;

/** What could not be tightened (not ours to change); the caller logs it. */
export interface Tightening {
  unfixed: string[];
}

/**
 * Makes `dir` (and everything under it) owner-only, creating it if needed. Throws StartupRefusal when
 * it is not a directory, or when others may write to it and its mode cannot be changed.
 */
export function secureDataDir(dir: string): Tightening {
  // POSIX modes do not apply on Windows (ACLs do): nothing to check or change there.
  if (process.platform === 'win32') return { unfixed: [] };
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // a file is there: said below
  }
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new StartupRefusal(`DATA_DIR ${dir} is not a directory.`, EX_CONFIG);
  const ours = stat.uid === process.getuid?.();
  // Never chmod what belongs to someone else (as root that would "fix" /tmp for everybody).
  if (!ours || !tryChmod(dir, 0o700)) {
    if (stat.mode & GROUP_OR_OTHER_WRITE) {
      throw new StartupRefusal(
        `DATA_DIR ${dir} is writable by other users (mode ${octal(stat.mode)}, owner uid ${stat.uid}) and cannot be made private: use a directory of your own.`,
        EX_CONFIG,
      );
    }
    return { unfixed: [dir, ...tightenTree(dir).unfixed] };
  }
  return tightenTree(dir);
}

/** Directories 0700 and files 0600 below `dir` (not `dir` itself), without following links. */
export function tightenTree(dir: string): Tightening {
  const unfixed: string[] = [];
  if (process.platform === 'win32') return { unfixed };
  const walk = (folder: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      unfixed.push(folder);
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!tryChmod(full, 0o700)) unfixed.push(full);
        walk(full);
      } else if (entry.isFile()) {
        if (!tryChmod(full, 0o600)) unfixed.push(full);
      }
      // Symbolic links, sockets and the like: a link's own mode means nothing, its target is not ours.
    }
  };
  walk(dir);
  return { unfixed };
}

function tryChmod(target: string, mode: number): boolean {
  try {
    const stat = fs.lstatSync(target);
    if (stat.uid !== process.getuid?.()) return false;
    if ((stat.mode & 0o777) !== mode) fs.chmodSync(target, mode);
    return true;
  } catch {
    return false;
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
