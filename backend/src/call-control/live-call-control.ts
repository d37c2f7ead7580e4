// Staff's live control of a call in progress, from the console (docs/call-control.md): coach the
// assistant (a system message the caller does not hear), make it say a line, take the call (a warm
// transfer to the clinic's or the staff member's own number), end it, and listen in. Each action goes
// to the voice platform through the call's control URL (telephony/call-control.ts), then is recorded
// on the call's timeline and streamed to every console of the clinic through the event log, so it
// works whichever instance served the request.
//
// The control URL is read from call_monitors (telephony/call-monitors.ts) and never leaves this
// module: refusals and log lines say what went wrong, not where.
import { maskPhoneNumber, type CallAction, type CallActionKind, type CallStatus, type TransferTarget } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { CallRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents, type EventRecorder, type Tx } from '../live/event-log.js';
import type { Principal } from '../auth/principal.js';
import { getAgent } from '../agent/agent-service.js';
import { CallControlError, type CallControl } from '../telephony/call-control.js';
import { monitorsOf } from '../telephony/call-monitors.js';
import { applyTransferFacts } from '../telephony/call-transfers.js';
import { patientNameOf, type IngestionDeps } from '../telephony/call-ingestion.js';
import { TRANSFER_ANNOUNCEMENT, transferDestination } from '../telephony/assistant-tools.js';

/** What the assistant is told before a coaching note (on a line of its own), so it acts on it without reading it out. */
export const COACH_PREFIX =
  'A member of the clinic’s staff is listening to this call and sends you the note below. The caller cannot hear it: do not read it out; follow it from your next turn.\n';

export interface LiveCallControlDeps extends IngestionDeps {
  db: Db;
  bus: LiveEventBus;
  control: CallControl;
  logger: Logger;
  now?: () => Date;
}

const NOT_LIVE: Partial<Record<CallStatus, string>> = {
  ended: 'This call has ended: there is nothing left to control.',
  forwarding: 'This call is being put through to someone: it can no longer be controlled from here.',
  scheduled: 'This call has not started yet.',
  queued: 'This call has not been answered yet.',
  ringing: 'This call has not been answered yet.',
};

export class LiveCallControl {
  private readonly now: () => Date;

  constructor(private readonly deps: LiveCallControlDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The call, if it belongs to the clinic (404 otherwise) and is in progress (409 otherwise). */
  async liveCall(principal: Principal, callId: string): Promise<{ call: CallRow; controlUrl: string | null; listenUrl: string | null }> {
    const call = await this.deps.db
      .selectFrom('calls')
      .selectAll()
      .where('id', '=', callId)
      .where('clinic_id', '=', principal.clinicId)
      .executeTakeFirst();
    if (!call) throw AppError.notFound('Call');
    const refusal = NOT_LIVE[call.status];
    if (refusal) throw new AppError('conflict', refusal);
    const monitors = await monitorsOf(this.deps.db, principal.clinicId, callId);
    return { call, ...monitors };
  }

  private async controllable(principal: Principal, callId: string): Promise<{ call: CallRow; controlUrl: string }> {
    const { call, controlUrl } = await this.liveCall(principal, callId);
    if (!controlUrl || !this.deps.control.accepts(controlUrl)) {
      throw new AppError(
        'conflict',
        'The voice platform offers no live control for this call (live control may be off for the assistant). Sync the assistant and try on the next call.',
      );
    }
    return { call, controlUrl };
  }

  /** An instruction the assistant takes into account from its next turn; the caller does not hear it. */
  async coach(principal: Principal, callId: string, text: string): Promise<CallAction> {
    const { call, controlUrl } = await this.controllable(principal, callId);
    await this.send(call, () =>
      this.deps.control.addMessage(controlUrl, { role: 'system', content: COACH_PREFIX + text }, { triggerResponse: false }),
    );
    return this.record(principal, call, 'coach', text);
  }

  /** A line the assistant says now. */
  async say(principal: Principal, callId: string, text: string): Promise<CallAction> {
    const { call, controlUrl } = await this.controllable(principal, callId);
    await this.send(call, () => this.deps.control.say(controlUrl, text));
    return this.record(principal, call, 'say', text);
  }

  /** Ends the call (spam, abuse). */
  async end(principal: Principal, callId: string): Promise<CallAction> {
    const { call, controlUrl } = await this.controllable(principal, callId);
    await this.send(call, () => this.deps.control.endCall(controlUrl));
    return this.record(principal, call, 'end', null);
  }

  /**
   * Takes the call: a warm transfer to the clinic's transfer number (or the staff member's own), with
   * the briefing the clinic chose. Recorded as a transfer first, so every console shows "Transferring
   * to …"; the platform's webhooks then settle it as for the assistant's own transfers.
   */
  async transfer(principal: Principal, callId: string, to: TransferTarget): Promise<CallAction> {
    const { call, controlUrl } = await this.controllable(principal, callId);
    if (call.transfer_status === 'requested' || call.transfer_status === 'forwarding' || call.transfer_status === 'connected') {
      throw new AppError('conflict', 'This call is already being put through.');
    }
    const { personality } = await getAgent(this.deps.db, principal.clinicId);
    let number = personality.transferNumber;
    if (to !== 'clinic') {
      const me = await this.deps.db
        .selectFrom('staff')
        .select('transfer_number')
        .where('id', '=', principal.staffId)
        .where('clinic_id', '=', principal.clinicId)
        .executeTakeFirst();
      const own = me?.transfer_number ?? null;
      if (to === 'me' && !own)
        throw new AppError('conflict', 'You have not set a number of your own to take calls on: add one in Settings.');
      // `auto`: the staff member's own number when they set one, otherwise the clinic's.
      number = own ?? number;
    }
    if (!number) throw new AppError('conflict', 'No front-desk number is set: add one on the assistant page to take calls.');
    const destination = number;
    const staffName = await this.staffName(principal);

    const caller = await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      const row = await this.lockLive(tx, call.id);
      const saved = await applyTransferFacts(tx, events, this.deps, row, [
        { status: 'requested', failure: null, destination, at: this.now() },
      ]);
      const patientName = await patientNameOf(tx, saved);
      return saved.verified_patient_id ? (patientName ?? 'a caller') : patientName ? `a caller from ${patientName}’s number` : 'a caller';
    });
    try {
      await this.deps.control.transfer(
        controlUrl,
        transferDestination(personality, destination, caller, `${staffName} took the call from the console`),
        TRANSFER_ANNOUNCEMENT,
      );
    } catch (error) {
      await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
        const row = await this.lockLive(tx, call.id);
        await applyTransferFacts(tx, events, this.deps, row, [{ status: 'failed', failure: 'refused', destination, at: this.now() }]);
      });
      throw this.refusal(call, error);
    }
    return this.record(principal, call, 'transfer', maskPhoneNumber(destination), staffName);
  }

  /** Records that a staff member started listening (the ticket itself is the listen socket's business). */
  async listening(principal: Principal, call: CallRow): Promise<CallAction> {
    return this.record(principal, call, 'listen', null);
  }

  private async lockLive(tx: Tx, callId: string): Promise<CallRow> {
    return tx.selectFrom('calls').selectAll().where('id', '=', callId).forUpdate().executeTakeFirstOrThrow();
  }

  private async send(call: CallRow, request: () => Promise<void>): Promise<void> {
    try {
      await request();
    } catch (error) {
      throw this.refusal(call, error);
    }
  }

  /** A readable refusal for a control request the platform did not take; the URL is never in it. */
  private refusal(call: CallRow, error: unknown): AppError {
    const detail = error instanceof CallControlError ? { kind: error.kind, status: error.status } : { err: error };
    this.deps.logger.warn({ ...detail, clinicId: call.clinic_id, callId: call.id }, 'live call control request not accepted');
    if (error instanceof CallControlError && error.kind === 'refused' && error.status === 404) {
      return new AppError('conflict', 'This call has ended: there is nothing left to control.');
    }
    if (error instanceof CallControlError && error.kind === 'refused' && error.status === 409) {
      return new AppError('conflict', 'This call is already being put through.');
    }
    return new AppError('provider_unavailable', 'The voice platform did not take the request. Try again in a moment.');
  }

  private async staffName(principal: Principal): Promise<string> {
    const staff = await this.deps.db.selectFrom('staff').select('name').where('id', '=', principal.staffId).executeTakeFirst();
    return staff?.name ?? 'A staff member';
  }

  /** One timeline entry on the call, streamed to every console of the clinic. */
  private async record(
    principal: Principal,
    call: CallRow,
    action: CallActionKind,
    detail: string | null,
    knownName?: string,
  ): Promise<CallAction> {
    const staffName = knownName ?? (await this.staffName(principal));
    return transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events: EventRecorder) => {
      const row = await tx
        .insertInto('call_actions')
        .values({
          call_id: call.id,
          clinic_id: call.clinic_id,
          staff_id: principal.staffId,
          staff_name: staffName,
          action,
          detail,
          at: this.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const recorded: CallAction = {
        id: row.id,
        callId: row.call_id,
        action: row.action,
        staffId: row.staff_id,
        staffName: row.staff_name,
        detail: row.detail,
        at: row.at.toISOString(),
      };
      events.emit(call.clinic_id, { kind: 'call.action', data: { action: recorded } });
      return recorded;
    });
  }
}
