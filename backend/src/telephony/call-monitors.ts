// A live call's monitor URLs (`call.monitor.controlUrl` and `listenUrl`), kept while the call is live
// so that whichever instance serves a console can act on the call or listen to it (control from the
// console, docs/call-control.md). They are capabilities: stored only if they point at the voice
// platform, never selected by a read API, never logged, and deleted as soon as the call ends.
import type { Db } from '../db/database.js';
import { GroupCommit } from '../db/group-commit.js';
import type { CallRow } from '../db/schema.js';
import type { StatusUpdate, VapiCall } from './vapi-messages.js';

/** Listen URLs of real Vapi calls: wss on a vapi.ai host, default port, no credentials. */
export function isVapiListenUrl(url: URL): boolean {
  return (
    url.protocol === 'wss:' &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    (url.hostname === 'vapi.ai' || url.hostname.endsWith('.vapi.ai'))
  );
}

export interface MonitorPolicy {
  /** Whether a control URL is the platform's (CallControl.accepts). */
  acceptsControl: (url: string) => boolean;
  /** Whether a listen URL is the platform's. */
  acceptsListen: (url: URL) => boolean;
}

function parsedUrl(value: string | null | undefined): URL | undefined {
  if (!value || value.length > 2_000) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Keeps the monitor URLs a stored status update carries, or forgets them when its call has ended
 * meanwhile (a late update); `stored` is the message's call as stored after it. A message that itself
 * ends the call forgets them with EndedCallReader.
 */
export async function recordCallMonitors(
  db: Db,
  policy: MonitorPolicy,
  message: StatusUpdate & { call: VapiCall },
  stored: Pick<CallRow, 'id' | 'clinic_id' | 'status'>,
): Promise<void> {
  if (stored.status === 'ended') {
    await db.deleteFrom('call_monitors').where('call_id', '=', stored.id).execute();
    return;
  }
  const monitor = message.call.monitor;
  const control = monitor?.controlUrl && policy.acceptsControl(monitor.controlUrl) ? monitor.controlUrl : null;
  const listenUrl = parsedUrl(monitor?.listenUrl);
  const listen = listenUrl && policy.acceptsListen(listenUrl) ? listenUrl.href : null;
  if (!control && !listen) return;
  await db
    .insertInto('call_monitors')
    .values({ call_id: stored.id, clinic_id: stored.clinic_id, control_url: control, listen_url: listen })
    .onConflict((oc) =>
      oc.column('call_id').doUpdateSet((eb) => ({
        control_url: eb.fn.coalesce(eb.ref('excluded.control_url'), eb.ref('call_monitors.control_url')),
        listen_url: eb.fn.coalesce(eb.ref('excluded.listen_url'), eb.ref('call_monitors.listen_url')),
        updated_at: new Date(),
      })),
    )
    .execute();
}

/**
 * The stored call a message that ends it is about, read in the same statement that forgets its monitor
 * URLs: an ending message's follow-ups need both, and it is one of the busiest webhooks. The calls of
 * ending messages that arrive together are read by one statement.
 */
export class EndedCallReader {
  private readonly reads: GroupCommit<string, CallRow | undefined>;

  /** `maxPerBatch`: how many calls one statement reads (group commit, db/group-commit.ts). */
  constructor(db: Db, maxPerBatch: number) {
    this.reads = new GroupCommit({
      maxPerBatch,
      async write(providerCallIds) {
        const calls = await db
          .with('forgotten', (q) =>
            q
              .deleteFrom('call_monitors')
              .where('call_id', 'in', (eb) => eb.selectFrom('calls').select('id').where('provider_call_id', 'in', providerCallIds)),
          )
          .selectFrom('calls')
          .selectAll()
          .where('provider_call_id', 'in', providerCallIds)
          .execute();
        const byProviderId = new Map(calls.map((call) => [call.provider_call_id, call]));
        return providerCallIds.map((id) => byProviderId.get(id));
      },
    });
  }

  /** The stored call (none once erased), its monitor URLs deleted in the same statement. */
  read(providerCallId: string): Promise<CallRow | undefined> {
    return this.reads.submit(providerCallId);
  }
}

/** The live call's monitor URLs, for the backend's own use only. */
export async function monitorsOf(
  db: Db,
  clinicId: string,
  callId: string,
): Promise<{ controlUrl: string | null; listenUrl: string | null }> {
  const row = await db
    .selectFrom('call_monitors')
    .select(['control_url', 'listen_url'])
    .where('call_id', '=', callId)
    .where('clinic_id', '=', clinicId)
    .executeTakeFirst();
  return { controlUrl: row?.control_url ?? null, listenUrl: row?.listen_url ?? null };
}
