// Named prepared statements for node-postgres, so Postgres parses and plans each of our queries once
// per connection instead of on every execution.
//
// Kysely hands node-postgres plain text + parameters, which it runs as an unnamed statement: parse,
// plan, execute, every time. Most of what the backend sends is a few dozen fixed statements
// (webhook ingestion, the live log, the call list), so naming them by their text lets the server
// keep the parse and the plan. Measured with bench/webhooks: on PGlite (whose Postgres runs in this
// process) 214 → 342 webhook events/s and 5.65 → 3.27 ms CPU per event; on the PostgreSQL server
// 436 → 574 events/s and its CPU per event 1.55 → 0.83 ms.
//
// Bounded, because a prepared statement costs server memory for the life of the connection (and
// PGlite's lives in this process): only parameterised statements of at most MAX_PARAMETERS values
// (a long VALUES list or IN list is a one-off shape, left unnamed), and at most
// MAX_NAMED_PER_CONNECTION distinct ones per connection; past that, statements run unnamed as before.
// Statements without parameters (migrations, multi-statement scripts) always run as simple queries.
//
// Not for a transaction-mode pooler (PgBouncer in transaction mode, Supabase's port 6543): the next
// transaction may land on a server connection that never saw the statement. DATABASE_PREPARED_STATEMENTS=false
// turns this off for such a DATABASE_URL.
import { createHash } from 'node:crypto';
import pg from 'pg';

const MAX_PARAMETERS = 64;
const MAX_NAMED_PER_CONNECTION = 256;

/** Statement text → its name, shared by every connection (the name is a function of the text). */
const namesByText = new Map<string, string>();

export function statementName(text: string): string {
  let name = namesByText.get(text);
  if (name === undefined) {
    // 80 bits of SHA-1: two of our statements sharing a name is not a practical concern.
    name = `vx_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (namesByText.size < 4 * MAX_NAMED_PER_CONNECTION) namesByText.set(text, name);
  }
  return name;
}

/**
 * PostgreSQL's refusal to run a prepared statement whose result columns changed since it was
 * prepared: a migration added a column to a table it reads with `select *` (or `returning *`). The
 * expand-then-contract rule (docs/rollback.md) makes adding columns safe for the release still
 * running, so such statements are prepared again rather than left failing.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

/** A pg Client (for `new pg.Pool({ Client })`) that names the statements Kysely sends. */
export class PreparingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const named = new Set<string>();
    // Statements found stale on this connection, by name → how many times; each is prepared afresh
    // under a new name (the old one cannot be deallocated inside the aborted transaction it failed in).
    const renamed = new Map<string, number>();
    const query = super.query.bind(this) as (...args: unknown[]) => unknown;
    const transactionStatus = () => (this as unknown as { getTransactionStatus(): string | null }).getTransactionStatus();
    // An instance property rather than an override: pg's `query` has a dozen overloads to restate.
    this.query = ((...args: unknown[]) => {
      const [text, values, callback] = args;
      if (typeof text === 'string' && callback === undefined && worthNaming(values)) {
        const base = statementName(text);
        const generation = renamed.get(base);
        const name = generation === undefined ? base : `${base}_${generation}`;
        if (named.has(name) || named.size < MAX_NAMED_PER_CONNECTION) {
          named.add(name);
          return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
            if (!isStalePreparedStatement(error)) throw error;
            renamed.set(base, (generation ?? 0) + 1);
            // Outside a transaction nothing was lost: run it again, prepared afresh. Inside one, the
            // transaction has failed; the caller's retry (event-log.ts retryOnConflict) reruns it.
            if (transactionStatus() !== 'I') throw error;
            return this.query(text, values);
          });
        }
      }
      return query(...args);
    }) as unknown as pg.Client['query'];
  }
}

function worthNaming(values: unknown): values is unknown[] {
  return Array.isArray(values) && values.length > 0 && values.length <= MAX_PARAMETERS;
}
