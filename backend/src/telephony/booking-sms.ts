// Booking confirmation texts (templated, opt-out respected) and the STOP/START bookkeeping behind them,
// plus what any text from the platform's number shares: the opt-out check, sending a claimed
// sms_messages row, and the background queue (the missed-call text-back uses all three).
//
// One confirmation per booking, ever: the sms_messages row (unique per booking and purpose) is claimed
// before Twilio is asked, so a replayed tool call or a retry never texts twice. Sending happens after
// the booking commits and off the tool call's answer path; `drain()` waits for what is in flight
// (shutdown, tests).
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { maskPhoneNumber } from '@voxanne/protocol';
import { spokenTime } from '../clinics/clinic-hours.js';
import type { TwilioCredentials, TwilioGateway } from './twilio-client.js';

export interface BookingSmsDeps {
  db: Db;
  gateway: TwilioGateway;
  /** The platform's Twilio account and sending number; unset: texts are recorded as not sent. */
  sender: (TwilioCredentials & { from: string }) | undefined;
  template: string;
  logger: Logger;
}

export interface ConfirmationRequest {
  clinicId: string;
  bookingId: string;
  patientName: string;
  patientPhone: string | null;
  startsAt: Date;
  timeZone: string;
}

export const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
export const START_WORDS = new Set(['START', 'UNSTOP', 'YES']);

export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

export class BookingSms {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: BookingSmsDeps) {}

  get senderNumber(): string | undefined {
    return this.deps.sender?.from;
  }

  /** Starts sending the confirmation in the background; never throws into the caller. */
  queueConfirmation(request: ConfirmationRequest): void {
    if (!request.patientPhone) return;
    this.inBackground(() => this.sendConfirmation(request), { bookingId: request.bookingId }, 'booking confirmation SMS failed');
  }

  /**
   * Runs `work` off the caller's path (texts go out after the webhook is answered); a failure is
   * logged with `context`. `drain()` waits for it.
   */
  inBackground(work: () => Promise<void>, context: Record<string, unknown>, failure: string): void {
    const running = work().catch((error: unknown) => this.deps.logger.error({ err: error, ...context }, failure));
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async sendConfirmation(request: ConfirmationRequest): Promise<void> {
    const { db, sender } = this.deps;
    const to = request.patientPhone;
    if (!to) return;
    const clinic = await db.selectFrom('clinics').select('name').where('id', '=', request.clinicId).executeTakeFirst();
    const body = fillTemplate(this.deps.template, {
      patientName: request.patientName.split(/\s+/)[0] ?? request.patientName,
      clinicName: clinic?.name ?? 'the clinic',
      when: spokenTime(request.startsAt, request.timeZone),
    });
    const optedOut = await this.optedOut(request.clinicId, to);
    const status = !sender ? 'skipped_not_configured' : optedOut ? 'skipped_opt_out' : 'sending';
    const claimed = await db
      .insertInto('sms_messages')
      .values({
        clinic_id: request.clinicId,
        booking_id: request.bookingId,
        purpose: 'booking_confirmation',
        to_number: to,
        from_number: sender?.from ?? null,
        body,
        status,
      })
      .onConflict((oc) => oc.columns(['booking_id', 'purpose']).where('booking_id', 'is not', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!claimed || status !== 'sending' || !sender) return;

    await this.deliver(claimed.id, to, body);
    this.deps.logger.info({ bookingId: request.bookingId, to: maskPhoneNumber(to) }, 'booking confirmation SMS sent');
  }

  /**
   * Sends the text of an sms_messages row this instance claimed (status `sending`) from the platform's
   * number and records how it went; a refusal is recorded, then thrown.
   */
  async deliver(claimedId: string, to: string, body: string): Promise<void> {
    const { db, sender } = this.deps;
    if (!sender) throw new Error('SMS is not configured');
    try {
      const sent = await this.deps.gateway.sendSms(sender, { from: sender.from, to, body });
      await db
        .updateTable('sms_messages')
        .set({ status: 'sent', provider_message_sid: sent.sid, updated_at: new Date() })
        .where('id', '=', claimedId)
        .execute();
    } catch (error) {
      await db
        .updateTable('sms_messages')
        .set({ status: 'failed', error: error instanceof Error ? error.message.slice(0, 500) : 'unknown error', updated_at: new Date() })
        .where('id', '=', claimedId)
        .execute();
      throw error;
    }
  }

  /** Whether `phone` texted STOP to our sending number (and not START since), or the clinic marked the patient so. */
  async optedOut(clinicId: string, phone: string): Promise<boolean> {
    const sender = this.deps.sender?.from;
    if (sender) {
      const row = await this.deps.db
        .selectFrom('sms_opt_outs')
        .select('phone')
        .where('sender_number', '=', sender)
        .where('phone', '=', phone)
        .executeTakeFirst();
      if (row) return true;
    }
    const patient = await this.deps.db
      .selectFrom('patients')
      .select('sms_opt_out')
      .where('clinic_id', '=', clinicId)
      .where('phone', '=', phone)
      .executeTakeFirst();
    return patient?.sms_opt_out ?? false;
  }

  /** A patient texted our sending number: STOP-words opt out, START-words opt back in. */
  async handleInboundText(sender: string, from: string, text: string): Promise<'opted_out' | 'opted_in' | 'ignored'> {
    const word = text.trim().toUpperCase();
    if (STOP_WORDS.has(word)) {
      await this.deps.db
        .insertInto('sms_opt_outs')
        .values({ sender_number: sender, phone: from })
        .onConflict((oc) => oc.columns(['sender_number', 'phone']).doNothing())
        .execute();
      return 'opted_out';
    }
    if (START_WORDS.has(word)) {
      await this.deps.db.deleteFrom('sms_opt_outs').where('sender_number', '=', sender).where('phone', '=', from).execute();
      return 'opted_in';
    }
    return 'ignored';
  }
}
