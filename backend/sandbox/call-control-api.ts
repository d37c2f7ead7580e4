// The sandbox's stand-in for Vapi's live call control (`call.monitor.controlUrl`): each simulated phone
// call whose assistant enables control (`monitorPlan.controlEnabled`) gets a loopback URL with an
// unguessable path, like Vapi's per-call URL, that accepts the control messages the backend sends:
//
//   say          {content, endCallAfterSpoken?}        the assistant says it at its next turn
//   add-message  {message:{role, content}, …}          recorded; the assistant acknowledges it in its next line
//   end-call     {}                                   the call ends (endedReason `manually-canceled`)
//   transfer     {destination:{type:"number",number,transferPlan?}, content?}
//                the assistant says `content`, the call goes `forwarding` (status update with the
//                destination) and ends `assistant-forwarded-call` (report with the destination and
//                the transfer's result), as Vapi reports a transfer; with `PUT /control/transfer-outcome
//                {"outcome":"no-answer"}` the next transfer ends `call.forwarding.no-answer` instead.
//
// Answers: 200 `{}` accepted, 400 not a control message, 404 no such call or it is no longer live,
// 409 a transfer is already under way. (Vapi does not document its answers; these are plausible.)
// Messages are applied by the call simulator between the conversation's steps.
import { randomBytes } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { normalizePhoneNumber } from '@voxanne/protocol';
import type { SandboxCall, SandboxState } from './sandbox-state.js';

const ControlMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('say'),
    content: z.string().min(1).max(1_000),
    endCallAfterSpoken: z.boolean().optional(),
  }),
  z.looseObject({
    type: z.literal('add-message'),
    message: z.looseObject({ role: z.enum(['system', 'user', 'assistant', 'tool', 'function']), content: z.string().min(1).max(4_000) }),
    triggerResponseEnabled: z.boolean().optional(),
  }),
  z.looseObject({ type: z.literal('end-call') }),
  z.looseObject({
    type: z.literal('transfer'),
    destination: z.looseObject({
      type: z.literal('number'),
      number: z.string().max(40),
      message: z.string().max(1_000).optional(),
      transferPlan: z.looseObject({ mode: z.string().max(100), message: z.string().max(1_000).optional() }).optional(),
    }),
    content: z.string().max(1_000).optional(),
  }),
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;

/** What a call's control URL received, in order (GET /control/calls/:id shows it). */
export interface ReceivedControl {
  type: ControlMessage['type'];
  at: string;
  content?: string;
  destination?: string;
  mode?: string;
}

/** A transfer as it happened: where to, how the destination was briefed, and how it ended. */
export interface SimulatedTransfer {
  destination: string;
  mode: string;
  /** What the person who picked up heard first (warm transfers). */
  briefing: string | null;
  status: 'completed' | 'no-answer';
}

interface CallControlState {
  callId: string;
  pending: ControlMessage[];
  /** Resolves whoever holds for the next message (`arrival`). */
  waiting: Array<() => void>;
  received: ReceivedControl[];
  transfers: SimulatedTransfer[];
}

export type TransferOutcome = 'answered' | 'no-answer';

export class SandboxCallControls {
  private readonly byToken = new Map<string, CallControlState>();
  private readonly byCall = new Map<string, CallControlState & { token: string }>();
  /** What the next transfer's destination does. */
  transferOutcome: TransferOutcome = 'answered';

  constructor(
    private readonly state: SandboxState,
    private readonly baseUrl: () => string,
  ) {}

  /** Gives a phone call its control URL when its assistant enables live control. */
  attach(call: SandboxCall): void {
    if (this.byCall.has(call.id)) return;
    const assistant = call.assistantId ? this.state.assistants.get(call.assistantId) : undefined;
    const plan = assistant?.monitorPlan as { controlEnabled?: unknown } | undefined;
    if (plan?.controlEnabled !== true) return;
    const token = randomBytes(24).toString('hex');
    const control = { callId: call.id, token, pending: [], waiting: [], received: [], transfers: [] };
    this.byToken.set(token, control);
    this.byCall.set(call.id, control);
    call.monitor = { ...call.monitor, controlUrl: `${this.baseUrl()}/call-control/${call.id}/${token}/control` };
  }

  /** The control messages waiting for the call, taken in order. */
  take(callId: string): ControlMessage[] {
    const control = this.byCall.get(callId);
    if (!control || control.pending.length === 0) return [];
    return control.pending.splice(0);
  }

  /** Resolves once a control message is waiting for the call (at once if one is), or when `signal` aborts. */
  arrival(callId: string, signal: AbortSignal): Promise<void> {
    const control = this.byCall.get(callId);
    if (!control || control.pending.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        control.waiting = control.waiting.filter((w) => w !== done);
        resolve();
      };
      control.waiting.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  recordTransfer(callId: string, transfer: SimulatedTransfer): void {
    this.byCall.get(callId)?.transfers.push(transfer);
  }

  /** What the call's control URL received and the transfers it made (the sandbox's control API shows it). */
  describe(callId: string): { received: ReceivedControl[]; transfers: SimulatedTransfer[] } | undefined {
    const control = this.byCall.get(callId);
    return control ? { received: control.received, transfers: control.transfers } : undefined;
  }

  /** A finished call's URL answers 404 from then on; forgotten calls are dropped entirely. */
  forget(callId: string): void {
    const control = this.byCall.get(callId);
    if (!control) return;
    this.byCall.delete(callId);
    this.byToken.delete(control.token);
  }

  router(): Router {
    const router = Router();
    router.post('/:callId/:token/control', express.json({ limit: '64kb' }), (req, res) => {
      const control = this.byToken.get(req.params.token ?? '');
      const call = control && control.callId === req.params.callId ? this.state.calls.get(control.callId) : undefined;
      if (!control || !call || call.status === 'ended' || call.status === 'forwarding') {
        res.status(404).json({ message: 'This call is not live.' });
        return;
      }
      const parsed = ControlMessageSchema.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json({ message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) });
        return;
      }
      const message = parsed.data;
      const received: ReceivedControl = { type: message.type, at: new Date().toISOString() };
      if (message.type === 'say') received.content = message.content;
      if (message.type === 'add-message') received.content = message.message.content;
      if (message.type === 'transfer') {
        const number = normalizePhoneNumber(message.destination.number);
        if (!number.ok || number.e164 !== message.destination.number) {
          res.status(400).json({ message: ['destination.number must be a valid phone number in the E.164 format'] });
          return;
        }
        if (control.pending.some((m) => m.type === 'transfer')) {
          res.status(409).json({ message: 'A transfer is already under way.' });
          return;
        }
        received.destination = number.e164;
        received.mode = message.destination.transferPlan?.mode ?? 'blind-transfer';
        if (message.content) received.content = message.content;
      }
      control.received.push(received);
      control.pending.push(message);
      for (const wake of control.waiting.splice(0)) wake();
      res.json({});
    });
    router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(err);
      res.status(400).json({ message: 'The body must be a JSON control message.' });
    });
    return router;
  }
}
