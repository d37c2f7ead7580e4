// The missed-call text-back: when a clinic has it on, a new missed-call item sends the caller one text
// from the platform's number ("Sorry we missed your call — reply here or call us back."), and what
// they answer lands on the item's history.
//
// Sent only to a mobile (libphonenumber's MOBILE or FIXED_LINE_OR_MOBILE, in a country the clinic
// may text), within the clinic's texting hours in its time zone, never to a number that sent STOP,
// and at most once per number per clinic day. Exactly once per item: the sms_messages row is claimed
// first, and its unique indexes (per item, per number and clinic day) let one insert win however many
// instances or webhook retries race. Why a text was not sent goes on the history too, so the desk
// knows whether the caller has heard from the clinic.
import { maskPhoneNumber, type WorkItemAction } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { WorkItemRow } from '../db/schema.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import type { Logger } from '../logging/logger.js';
import { getAgent } from '../agent/agent-service.js';
import { toLocal } from '../clinics/clinic-hours.js';
import { allowedCountries, numberFacts, reachableNumberProblem } from '../clinics/reachable-numbers.js';
import { getClinicSettings } from '../compliance/clinic-settings.js';
import type { BookingSms } from '../telephony/booking-sms.js';
import { addHistory, emitChange } from './work-items.js';

export interface TextBackDeps {
  db: Db;
  bus: LiveEventBus;
  /** The platform's SMS: opt-outs, sending and its background queue (drained on shutdown). */
  sms: BookingSms;
  logger: Logger;
  /** CLINIC_DEFAULT_COUNTRY: where a clinic without numbers or settings may text. */
  defaultCountry: string;
}

/** A text sent more than this long after the missed call would be a surprise, not a courtesy. */
const STALE_MS = 60 * 60_000;
/** Replies are matched to a text-back sent within this long. */
const REPLY_WINDOW_MS = 7 * 24 * 3_600_000;
const MOBILE_KINDS = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export class MissedCallTextBack {
  constructor(private readonly deps: TextBackDeps) {}

  /** After a missed-call item was created: sends its text-back in the background. */
  queue(item: WorkItemRow, missedAt: Date): void {
    if (item.kind !== 'missed_call' || !item.caller_number) return;
    this.deps.sms.inBackground(() => this.send(item, missedAt), { workItemId: item.id }, 'missed-call text-back failed');
  }

  /** Sends the item's text-back when the clinic's rules allow; otherwise notes why on its history. */
  async send(item: WorkItemRow, missedAt: Date, now = new Date()): Promise<void> {
    const { db } = this.deps;
    const to = item.caller_number;
    if (item.kind !== 'missed_call' || !to || !item.day_key) return;
    const settings = await getClinicSettings(db, item.clinic_id);
    if (!settings.textBackEnabled) return;
    const refusal = await this.refusal(item, to, missedAt, now, settings);
    if (refusal) return this.note(item, 'text_not_sent', `No text sent: ${refusal}.`);

    const claimed = await db
      .insertInto('sms_messages')
      .values({
        clinic_id: item.clinic_id,
        purpose: 'missed_call_text_back',
        work_item_id: item.id,
        day_key: item.day_key,
        to_number: to,
        from_number: this.deps.sms.senderNumber ?? null,
        body: settings.textBackMessage,
        status: 'sending',
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!claimed) {
      // Another delivery of this item got there first (nothing to add), or the number was texted today.
      const mine = await db.selectFrom('sms_messages').select('id').where('work_item_id', '=', item.id).executeTakeFirst();
      if (!mine) await this.note(item, 'text_not_sent', 'No text sent: this number was already texted today.');
      return;
    }
    try {
      await this.deps.sms.deliver(claimed.id, to, settings.textBackMessage);
    } catch (error) {
      await this.note(item, 'text_not_sent', 'No text sent: the text service refused it.');
      throw error;
    }
    await this.note(item, 'texted', settings.textBackMessage);
    this.deps.logger.info({ workItemId: item.id, to: maskPhoneNumber(to) }, 'missed-call text-back sent');
  }

  /**
   * A text to our sending number from someone we texted back: goes on that item's history (the
   * latest text-back to the number), once per Twilio message. False when it answers no text-back.
   */
  async recordReply(reply: { sender: string; from: string; body: string; messageSid: string | undefined }): Promise<boolean> {
    const sent = await this.deps.db
      .selectFrom('sms_messages')
      .select(['clinic_id', 'work_item_id'])
      .where('purpose', '=', 'missed_call_text_back')
      .where('to_number', '=', reply.from)
      .where('from_number', '=', reply.sender)
      .where('status', '=', 'sent')
      .where('work_item_id', 'is not', null)
      .where('created_at', '>', new Date(Date.now() - REPLY_WINDOW_MS))
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!sent?.work_item_id) return false;
    const itemId = sent.work_item_id;
    await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      // Twilio retries a webhook it got no answer to: the message's sid makes the reply count once.
      if (reply.messageSid) {
        const first = await tx
          .insertInto('work_item_causes')
          .values({ clinic_id: sent.clinic_id, cause_key: `text-reply:${reply.messageSid}`.slice(0, 300), work_item_id: itemId })
          .onConflict((oc) => oc.columns(['clinic_id', 'cause_key']).doNothing())
          .returning('cause_key')
          .executeTakeFirst();
        if (!first) return;
      }
      const row = await tx
        .updateTable('work_items')
        .set({ updated_at: new Date() })
        .where('id', '=', itemId)
        .returningAll()
        .executeTakeFirst();
      if (!row) return;
      await addHistory(tx, row, 'text_reply', { note: reply.body.trim().slice(0, 2000) || '(an empty text)' });
      await emitChange(tx, events, row, 'text_reply');
    });
    return true;
  }

  private async refusal(
    item: WorkItemRow,
    to: string,
    missedAt: Date,
    now: Date,
    settings: { textBackFrom: string; textBackUntil: string },
  ): Promise<string | undefined> {
    const { db } = this.deps;
    if (!MOBILE_KINDS.has(numberFacts(to).kind ?? '')) return 'not a mobile number';
    const agent = await getAgent(db, item.clinic_id);
    const problem = reachableNumberProblem(to, await allowedCountries(db, item.clinic_id, agent.personality, this.deps.defaultCountry));
    if (problem) return problem.replace(/\.$/, '');
    if (now.getTime() - missedAt.getTime() > STALE_MS) return 'the missed call was too long ago';
    const clinic = await db.selectFrom('clinics').select('time_zone').where('id', '=', item.clinic_id).executeTakeFirstOrThrow();
    const local = toLocal(missedAt, clinic.time_zone).time;
    if (local < settings.textBackFrom || local >= settings.textBackUntil) {
      return `outside the texting hours (${settings.textBackFrom}–${settings.textBackUntil})`;
    }
    if (!this.deps.sms.senderNumber) return 'texting is not set up on this service';
    if (await this.deps.sms.optedOut(item.clinic_id, to)) return 'the caller asked for no texts (STOP)';
    return undefined;
  }

  private async note(item: WorkItemRow, action: WorkItemAction & ('texted' | 'text_not_sent'), note: string): Promise<void> {
    await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      const row = await tx.selectFrom('work_items').selectAll().where('id', '=', item.id).executeTakeFirst();
      if (!row) return;
      await addHistory(tx, row, action, { note });
      await emitChange(tx, events, row, action);
    });
  }
}
