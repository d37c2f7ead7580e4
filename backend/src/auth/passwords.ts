// Password hashing with scrypt (node:crypto). Stored as `scrypt$N$r$p$salt$hash`: every hash records
// the cost it was made with, so raising the cost never invalidates a stored hash, and a hash made
// with less than the current cost is replaced on the owner's next successful sign-in (needsRehash).
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/**
 * Current guidance for scrypt (OWASP's password storage cheat sheet: N=2^17, r=8, p=1). Each hash
 * needs 128 MiB of memory (128·N·r bytes) and a few hundred ms of one core (bench/backend.ts prints
 * the CPU per sign-in).
 */
export const PASSWORD_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/** Hashes computed at once: each holds 128 MiB, and each occupies a libuv thread the rest of the backend shares. */
const MAX_CONCURRENT_HASHES = 2;
const KEY_LENGTH = 32;
/** Costs a stored hash may claim: anything else is corrupt, and must not make us allocate gigabytes. */
const LIMITS = { N: [2 ** 10, 2 ** 20], r: [1, 32], p: [1, 16] } as const;

let running = 0;
const waiting: Array<() => void> = [];

async function scrypt(password: string, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
  // A finishing hash hands its slot straight to the next waiter, so there are never more than the maximum.
  if (running < MAX_CONCURRENT_HASHES) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: memoryOf(cost) };
    return await new Promise((resolve, reject) =>
      scryptCallback(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** What scrypt allocates for `cost` (OpenSSL: 128·r·(N+2) for V plus 128·r·p for B), with a page of slack. */
export function memoryOf(cost: ScryptCost): number {
  return 128 * cost.r * (cost.N + 2) + 128 * cost.r * cost.p + 4096;
}

export async function hashPassword(password: string, cost: ScryptCost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface StoredHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): StoredHash | null {
  const [scheme, n, r, p, salt, key, extra] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key || extra !== undefined) return null;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  for (const name of ['N', 'r', 'p'] as const) {
    const value = cost[name];
    if (!Number.isInteger(value) || value < LIMITS[name][0] || value > LIMITS[name][1]) return null;
  }
  if ((cost.N & (cost.N - 1)) !== 0) return null;
  return { cost, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed || parsed.key.length === 0) return false;
  const actual = await scrypt(password, parsed.salt, parsed.key.length, parsed.cost);
  return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
}

/** The cost a stored hash was made with (null when it is not one of ours). */
export function costOf(stored: string): ScryptCost | null {
  return parse(stored)?.cost ?? null;
}

/** True when `stored` was made with less than `cost` (or is not readable): hash the password afresh. */
export function needsRehash(stored: string, cost: ScryptCost): boolean {
  const current = parse(stored)?.cost;
  return !current || current.N < cost.N || current.r < cost.r || current.p < cost.p;
}

const dummies = new Map<string, Promise<string>>();
/**
 * The hash of a random password at `cost`: verifying an unknown email against it costs the same as
 * a real check (no finding out which emails have accounts by timing).
 */
export function dummyPasswordHash(cost: ScryptCost): Promise<string> {
  const key = `${cost.N}$${cost.r}$${cost.p}`;
  let hash = dummies.get(key);
  if (!hash) {
    hash = hashPassword(randomBytes(16).toString('hex'), cost);
    dummies.set(key, hash);
  }
  return hash;
}

export const PASSWORD_MIN_LENGTH = 10;
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > 1024) return 'must be at most 1024 characters';
  return null;
}
