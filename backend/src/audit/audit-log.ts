// The clinic's access and change log: who saw or changed what, when and from where. Entries are only
// ever appended (a database trigger refuses UPDATE and DELETE) and chained per clinic: each stores the
// sha256 of the previous entry's hash and its own content, so editing, removing or reordering a row
// breaks the chain from that row on, and verifyAuditChain names the first broken link.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditAction, AuditEntry, AuditObjectType, Role } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { AuditLogTable } from '../db/schema.js';
import type { Selectable } from 'kysely';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditOrigin {
  /** The desktop app installation that sent the request (INSTANCE_HEADER), when it said. */
  instanceId: string | null;
  /** The client's network address as the backend saw it. */
  address: string | null;
}

export interface AuditRecord {
  clinicId: string;
  /** The staff member who acted; null for the system or an attempt nobody was signed in for. */
  actor: { staffId: string; role: Role } | null;
  origin: AuditOrigin;
  action: AuditAction;
  object?: { type: AuditObjectType; id: string };
  /** Before/after of changed fields, counts, filters. Never transcript text or full phone numbers. */
  details?: Record<string, unknown>;
}

export type AuditRow = Selectable<AuditLogTable>;

/** Appends to the clinic's chain; resolves once the entry is committed. */
export type AuditAppender = (record: AuditRecord) => Promise<void>;

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  readonly append: AuditAppender = async (record) => {
    await this.db.transaction().execute(async (tx) => {
      // The head row is the clinic's lock: the first entry creates it, every append holds it until
      // commit, so concurrent appends (other requests, other instances) queue behind each other.
      await tx
        .insertInto('audit_heads')
        .values({ clinic_id: record.clinicId, last_seq: 0, last_hash: GENESIS_HASH })
        .onConflict((oc) => oc.column('clinic_id').doNothing())
        .execute();
      const head = await tx
        .selectFrom('audit_heads')
        .select(['last_seq', 'last_hash'])
        .where('clinic_id', '=', record.clinicId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const actor = record.actor
        ? await tx.selectFrom('staff').select('name').where('id', '=', record.actor.staffId).executeTakeFirst()
        : undefined;
      const content: ChainedContent = {
        clinic_id: record.clinicId,
        seq: Number(head.last_seq) + 1,
        at: this.now(),
        actor_staff_id: record.actor?.staffId ?? null,
        actor_name: actor?.name ?? null,
        actor_role: record.actor?.role ?? null,
        instance_id: record.origin.instanceId,
        address: record.origin.address,
        action: record.action,
        object_type: record.object?.type ?? null,
        object_id: record.object?.id ?? null,
        details: record.details ?? null,
      };
      const hash = entryHash(head.last_hash, content);
      await tx
        .insertInto('audit_log')
        .values({
          ...content,
          details: content.details === null ? null : JSON.stringify(content.details),
          prev_hash: head.last_hash,
          hash,
        })
        .execute();
      await tx
        .updateTable('audit_heads')
        .set({ last_seq: content.seq, last_hash: hash })
        .where('clinic_id', '=', record.clinicId)
        .execute();
    });
  };
}

type ChainedContent = Omit<AuditRow, 'id' | 'prev_hash' | 'hash'>;

/** sha256 over the previous hash and the entry's content in a fixed order (key order of details sorted). */
export function entryHash(prevHash: string, entry: ChainedContent): string {
  const content = [
    entry.clinic_id,
    Number(entry.seq),
    entry.at.toISOString(),
    entry.actor_staff_id,
    entry.actor_name,
    entry.actor_role,
    entry.instance_id,
    entry.address,
    entry.action,
    entry.object_type,
    entry.object_id,
    entry.details,
  ];
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}

/** JSON with object keys sorted at every level: jsonb does not keep the order they were written in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface ChainVerdict {
  clinicId: string;
  entries: number;
  ok: boolean;
  /** The first entry whose link does not hold, and why. */
  firstBroken: { seq: number; id: string | null; reason: string } | null;
}

const VERIFY_BATCH = 1_000;

/** Walks the clinic's chain from the first entry; stops at the first link that does not hold. */
export async function verifyAuditChain(db: Db, clinicId: string): Promise<ChainVerdict> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let entries = 0;
  const broken = (seq: number, id: string | null, reason: string): ChainVerdict => ({
    clinicId,
    entries,
    ok: false,
    firstBroken: { seq, id, reason },
  });
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('clinic_id', '=', clinicId)
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(VERIFY_BATCH)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return broken(expectedSeq, null, `entry ${expectedSeq} is missing (next is ${seq})`);
      if (row.prev_hash !== prevHash) return broken(seq, row.id, 'its previous-hash does not match the entry before it');
      if (entryHash(row.prev_hash, row) !== row.hash) return broken(seq, row.id, 'its content does not match its hash (edited)');
      prevHash = row.hash;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  const head = await db.selectFrom('audit_heads').select(['last_seq', 'last_hash']).where('clinic_id', '=', clinicId).executeTakeFirst();
  const headSeq = head ? Number(head.last_seq) : 0;
  if (headSeq !== entries) return broken(entries + 1, null, `the chain ends at ${entries} but its head says ${headSeq} (entries removed)`);
  if (head && head.last_hash !== prevHash) return broken(entries, null, 'the last entry does not match the chain head');
  return { clinicId, entries, ok: true, firstBroken: null };
}

/** Reads the raw chain position (tests and the CLI). */
export async function auditHead(db: Db, clinicId: string): Promise<{ seq: number; hash: string } | undefined> {
  const result = await sql<{ last_seq: number; last_hash: string }>`
    select last_seq, last_hash from audit_heads where clinic_id = ${clinicId}`.execute(db);
  const row = result.rows[0];
  return row ? { seq: Number(row.last_seq), hash: row.last_hash } : undefined;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor_staff_id ? { staffId: row.actor_staff_id, name: row.actor_name, role: row.actor_role } : null,
    instanceId: row.instance_id,
    address: row.address,
    action: row.action as AuditAction,
    objectType: row.object_type as AuditObjectType | null,
    objectId: row.object_id,
    details: row.details,
  };
}

/**
 * The top-level fields that differ between two versions of a thing, as `{ field: { before, after } }`.
 * `mask` rewrites values that must not be logged in full (phone numbers).
 */
export function changedFields(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown>,
  mask: Partial<Record<string, (value: unknown) => unknown>> = {},
): Record<string, { before: unknown; after: unknown }> {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of new Set([...Object.keys(before ?? {}), ...Object.keys(after)])) {
    const was = before?.[key] ?? null;
    const now = after[key] ?? null;
    if (canonicalJson(was) === canonicalJson(now)) continue;
    const m = mask[key] ?? ((v: unknown) => v);
    changes[key] = { before: m(was), after: m(now) };
  }
  return changes;
}

/** A phone number as the log keeps it: only its last three digits. */
export function maskedNumber(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value;
  const digits = value.replace(/\D/g, '');
  return `…${digits.slice(-3)}`;
}
