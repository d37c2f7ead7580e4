// Plays one sandbox call from first ring to end-of-call report, sending the server messages Vapi
// would send, with realistic timing divided by SANDBOX_TIME_SCALE: status updates, speech updates,
// partial then final transcripts per utterance, tool calls (awaiting the backend's answers, which
// shape the assistant's next line), `assistant-request` for numbers without an assistant, and the
// end-of-call report with artifact (messages, transcript, recording) and analysis (summary,
// structured data). Each call speaks one of Vapi's published message shapes, old or current
// (webhook-dialects.ts), picked at random unless the call was placed with one. Between the
// conversation's steps it applies what the call's live control URL received (call-control-api.ts):
// lines to say, messages to acknowledge, a transfer, the end.
//
// What the caller says comes from a scripted conversation. The web-test issue adds a second kind of
// caller (audio over Vapi's `vapi.websocket` transport, speech detected and replies synthesised):
// that is another source of turns for the same lifecycle, which is why the lifecycle (this class)
// and the conversation (conversation-scripts.ts) are kept apart.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../src/logging/logger.js';
import { dateOfBirthFor, SCRIPTS, type ConversationScript, type Memory, type ScriptContext, type Step } from './conversation-scripts.js';
import type { SandboxCall, SandboxState } from './sandbox-state.js';
import type { WebhookDelivery } from './webhook-delivery.js';
import { pickDialect, reportFields, toolCallLists } from './webhook-dialects.js';
import type { ControlMessage, SandboxCallControls } from './call-control-api.js';
import type { SandboxCallListens } from './call-listen.js';

export interface SimulatorDeps {
  state: SandboxState;
  delivery: WebhookDelivery;
  controls: SandboxCallControls;
  /** Listen sockets of calls (optional: the voice transport's own simulator has none). */
  listens?: SandboxCallListens;
  timeScale: number;
  logger: Logger;
  random: () => number;
}

/** One turn as the end-of-call report lists it. */
export interface SpokenMessage {
  role: 'bot' | 'user';
  message: string;
  time: number;
  endTime: number;
  secondsFromStart: number;
  duration: number;
}

const SECONDS_PER_WORD = 0.32;
const PAUSE_BETWEEN_TURNS = 0.7;
const COST_PER_MINUTE = 0.11;

export class CallAborted extends Error {}

export class CallSimulator {
  constructor(private readonly deps: SimulatorDeps) {}

  private async wait(seconds: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new CallAborted();
    const ms = (seconds * 1000) / this.deps.timeScale;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new CallAborted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async setStatus(call: SandboxCall, status: SandboxCall['status'], extra: Record<string, unknown> = {}): Promise<void> {
    call.status = status;
    call.updatedAt = new Date().toISOString();
    await this.deps.delivery.send(call, { type: 'status-update', status, ...extra });
  }

  /**
   * The caller holds (at most `seconds` of real time) while the control URL is obeyed: lines are said
   * and the caller keeps holding; an added message ends the hold (the assistant's next line
   * acknowledges it); a transfer or the end ends the call.
   */
  private async hold(conversation: Conversation, seconds: number, signal: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(seconds * 1000);
    const until = AbortSignal.any([signal, timeout]);
    // A message added just before the hold is acknowledged at once.
    while (conversation.notes.length === 0) {
      await this.deps.controls.arrival(conversation.call.id, until);
      if (signal.aborted) throw new CallAborted();
      if (timeout.aborted) return;
      if (await this.applyControl(conversation, signal)) return;
    }
  }

  /** Plays the call to its end; resolves when the end-of-call report has been delivered. */
  async run(call: SandboxCall, signal: AbortSignal): Promise<void> {
    const { state, logger } = this.deps;
    call.dialect ??= pickDialect(this.deps.random);
    try {
      if (call.type === 'inboundPhoneCall' && !call.assistantId) {
        const ok = await this.requestAssistant(call);
        if (!ok) {
          await this.finish(call, 'assistant-request-failed', [], { summary: '', category: 'other' }, undefined);
          return;
        }
      }
      if (call.type === 'outboundPhoneCall') await this.wait(0.6, signal);
      await this.setStatus(call, 'ringing');
      await this.wait(call.type === 'outboundPhoneCall' ? 3 : 1.2, signal);

      const script = SCRIPTS[call.script as keyof typeof SCRIPTS] ?? SCRIPTS['new-booking'];
      const assistant = call.assistantId ? state.assistants.get(call.assistantId) : undefined;
      call.startedAt = new Date().toISOString();
      // Vapi's call object carries its monitor URLs from the start: the in-progress update has them.
      this.deps.controls.attach(call);
      this.deps.listens?.attach(call);
      await this.setStatus(call, 'in-progress');
      const context: ScriptContext = {
        callerName: call.customer?.name ?? 'Sam Taylor',
        callerNumber: call.customer?.number ?? '',
        dateOfBirth: dateOfBirthFor(call.customer?.number ?? ''),
        greeting: assistant?.firstMessage ?? 'Hello, you’re through to the clinic. How can I help?',
        knowledge: state.knowledgeOf(assistant),
        tomorrow: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
        random: this.deps.random,
      };
      const memory: Memory = {};
      const spoken: SpokenMessage[] = [];
      const conversation: Conversation = { call, script, context, memory, spoken, notes: [] };
      for (const step of script.steps) {
        if (await this.applyControl(conversation, signal)) return;
        await this.play(conversation, step, signal);
        if (conversation.ended) return;
      }
      if (await this.applyControl(conversation, signal)) return;
      await this.finish(call, script.endedReason, spoken, { summary: script.summary(context, memory), category: script.category }, script);
    } catch (error) {
      if (error instanceof CallAborted) {
        call.status = 'ended';
        call.endedReason = 'worker-shutdown';
        return;
      }
      logger.error({ err: error, callId: call.id }, 'sandbox call failed');
      call.status = 'ended';
      call.endedReason = 'call.in-progress.error-vapifault-worker-died';
    }
  }

  private async requestAssistant(call: SandboxCall): Promise<boolean> {
    const answer = (await this.deps.delivery.send(call, { type: 'assistant-request' })) as
      { assistantId?: string; assistant?: Record<string, unknown>; error?: string } | undefined;
    if (answer?.assistantId && this.deps.state.assistants.has(answer.assistantId)) {
      call.assistantId = answer.assistantId;
      return true;
    }
    if (answer?.assistant) {
      // A transient assistant: kept for this call only, like Vapi does.
      const now = new Date().toISOString();
      const id = randomUUID();
      this.deps.state.assistants.set(id, {
        ...answer.assistant,
        id,
        orgId: call.orgId,
        createdAt: now,
        updatedAt: now,
        transientFor: call.id,
      });
      call.assistantId = id;
      return true;
    }
    return false;
  }

  /**
   * Applies what the call's control URL received since the last step, in order. True when that ended
   * the call (end-call, a transfer, a line said with endCallAfterSpoken).
   */
  private async applyControl(conversation: Conversation, signal: AbortSignal): Promise<boolean> {
    const { call, spoken } = conversation;
    if (conversation.ended) return true;
    for (const message of this.deps.controls.take(call.id)) {
      switch (message.type) {
        case 'say':
          await this.speak(call, 'assistant', message.content, spoken, signal);
          if (message.endCallAfterSpoken) {
            await this.finishEarly(conversation, 'assistant-ended-call-after-message-spoken');
            return true;
          }
          break;
        case 'add-message':
          // The scripted assistant repeats the note's last line (a note's instructions come first).
          conversation.notes.push(message.message.content.trim().split('\n').at(-1)!.trim());
          break;
        case 'end-call':
          // What Vapi reports for a call ended through its control URL is not documented; this is its "ended by API" reason.
          await this.finishEarly(conversation, 'manually-canceled');
          return true;
        case 'transfer':
          await this.transfer(conversation, message, signal);
          return true;
      }
    }
    return false;
  }

  /** Puts the caller through as Vapi reports it: `forwarding` with the destination, then ended and the report. */
  private async transfer(
    conversation: Conversation,
    message: Extract<ControlMessage, { type: 'transfer' }>,
    signal: AbortSignal,
  ): Promise<void> {
    const { call, script, context, memory, spoken } = conversation;
    conversation.ended = true;
    if (message.content) await this.speak(call, 'assistant', message.content, spoken, signal);
    const destination = { type: 'number' as const, number: message.destination.number };
    const mode = message.destination.transferPlan?.mode ?? 'blind-transfer';
    const summary = script.summary(context, memory);
    await this.setStatus(call, 'forwarding', {
      destination,
      transcript: transcriptOf(spoken),
      summary,
      messages: [],
    });
    const outcome = this.deps.controls.transferOutcome;
    // The destination rings; a warm transfer then briefs whoever picks up before connecting the caller.
    await this.wait(2, signal);
    const briefing = mode.includes('say-message')
      ? (message.destination.transferPlan?.message ?? null)
      : mode.includes('say-summary')
        ? summary
        : null;
    const status = outcome === 'answered' ? 'completed' : 'no-answer';
    this.deps.controls.recordTransfer(call.id, { destination: destination.number, mode, briefing, status });
    call.destination = destination;
    await this.finish(
      call,
      outcome === 'answered' ? 'assistant-forwarded-call' : 'call.forwarding.no-answer',
      spoken,
      { summary, category: script.category },
      script,
      { destination, transfers: [{ destination, mode, status, transcript: transcriptOf(spoken), messages: [] }] },
    );
  }

  private async finishEarly(conversation: Conversation, endedReason: string): Promise<void> {
    const { call, script, context, memory, spoken } = conversation;
    conversation.ended = true;
    await this.finish(call, endedReason, spoken, { summary: script.summary(context, memory), category: script.category }, script);
  }

  private async play(conversation: Conversation, step: Step, signal: AbortSignal): Promise<void> {
    const { call, context, memory, spoken } = conversation;
    if ('pause' in step) return this.wait(step.pause, signal);
    if ('hold' in step) return this.hold(conversation, step.hold, signal);
    if ('tool' in step) {
      const args = step.args(context, memory);
      const id = `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
      // In the call's dialect: arguments as a JSON string or an object, in the spec's or a flattened form.
      const lists = toolCallLists(call.dialect, { id, name: step.tool, args }, Object.keys(memory).length);
      const answer = (await this.deps.delivery.send(call, { type: 'tool-calls', ...lists })) as
        { results?: Array<{ toolCallId?: string; result?: unknown; error?: unknown }> } | undefined;
      const entry = answer?.results?.find((r) => r.toolCallId === id);
      // An `error` entry is a refusal the assistant says as it is.
      memory[step.remember] = typeof entry?.error === 'string' ? { error: entry.error } : parseResult(entry?.result);
      await this.wait(0.4, signal);
      return;
    }
    let text = typeof step.say === 'function' ? step.say(context, memory) : step.say;
    if (step.speaker === 'caller') memory.lastCallerLine = { text };
    if (step.speaker === 'assistant' && conversation.notes.length > 0) {
      // A message added through the control URL: the assistant acknowledges it before going on.
      text = `I’ve just had a note: ${conversation.notes.splice(0).join(' ')} ${text}`;
    }
    await this.speak(call, step.speaker === 'assistant' ? 'assistant' : 'user', text, spoken, signal);
    await this.wait(PAUSE_BETWEEN_TURNS, signal);
  }

  private async speak(
    call: SandboxCall,
    role: 'assistant' | 'user',
    text: string,
    spoken: SpokenMessage[],
    signal: AbortSignal,
  ): Promise<void> {
    const words = text.split(/\s+/).filter(Boolean);
    const seconds = Math.max(0.6, words.length * SECONDS_PER_WORD);
    const started = Date.now();
    this.deps.listens?.speak(call.id, role, text);
    await this.deps.delivery.send(call, { type: 'speech-update', status: 'started', role, turn: spoken.length });
    for (const share of [0.4, 0.75]) {
      await this.wait(seconds * (share === 0.4 ? 0.4 : 0.35), signal);
      const partial = words.slice(0, Math.max(1, Math.round(words.length * share))).join(' ');
      await this.deps.delivery.send(call, { type: 'transcript', role, transcriptType: 'partial', transcript: partial });
    }
    await this.wait(seconds * 0.25, signal);
    await this.deps.delivery.send(call, { type: 'transcript', role, transcriptType: 'final', transcript: text });
    await this.deps.delivery.send(call, { type: 'speech-update', status: 'stopped', role, turn: spoken.length });
    const ended = Date.now();
    const callStart = call.startedAt ? Date.parse(call.startedAt) : started;
    spoken.push({
      role: role === 'assistant' ? 'bot' : 'user',
      message: text,
      time: started,
      endTime: ended,
      secondsFromStart: Math.max(0, (started - callStart) / 1000),
      duration: (ended - started) / 1000,
    });
  }

  /** Ends the call: the `ended` status update, then the end-of-call report (also used by the voice transport). */
  async finish(
    call: SandboxCall,
    endedReason: string,
    spoken: SpokenMessage[],
    analysis: { summary: string; category: ConversationScript['category'] },
    script: ConversationScript | undefined,
    transferred?: { destination: { type: 'number'; number: string }; transfers: unknown[] },
  ): Promise<void> {
    call.endedAt = new Date().toISOString();
    call.endedReason = endedReason;
    this.deps.listens?.forget(call.id);
    const durationSeconds = call.startedAt ? (Date.parse(call.endedAt) - Date.parse(call.startedAt)) / 1000 : 0;
    call.cost = Math.round((durationSeconds / 60) * COST_PER_MINUTE * 10_000) / 10_000;
    await this.setStatus(call, 'ended', { endedReason });
    const transcript = transcriptOf(spoken);
    const recordingUrl = `https://storage.sandbox.voxanne.invalid/recordings/${call.id}.wav`;
    await this.deps.delivery.send(call, {
      type: 'end-of-call-report',
      ...reportFields(call.dialect, {
        endedReason,
        ...(transferred ? { destination: transferred.destination, transfers: transferred.transfers } : {}),
        cost: call.cost ?? 0,
        startedAt: call.startedAt,
        endedAt: call.endedAt,
        durationSeconds,
        messages: [
          {
            role: 'system',
            message: 'You are the clinic’s receptionist.',
            time: Date.parse(call.startedAt ?? call.endedAt),
            secondsFromStart: 0,
          },
          ...spoken,
        ],
        transcript,
        recordingUrl,
        summary: analysis.summary,
        structuredData: { callCategory: analysis.category, ...(call.customer?.name ? { patientName: call.customer.name } : {}) },
        successEvaluation: script ? 'true' : 'false',
      }),
    });
  }
}

/** One conversation being played: the call, its script and what has been said and answered so far. */
interface Conversation {
  call: SandboxCall;
  script: ConversationScript;
  context: ScriptContext;
  memory: Memory;
  spoken: SpokenMessage[];
  /** Messages added through the control URL, not yet acknowledged. */
  notes: string[];
  /** Set once the control URL ended the call (transfer, end-call): no more steps are played. */
  ended?: boolean;
}

function transcriptOf(spoken: SpokenMessage[]): string {
  return spoken.map((m) => `${m.role === 'bot' ? 'AI' : 'User'}: ${m.message}`).join('\n');
}

function parseResult(result: unknown): Record<string, unknown> | undefined {
  if (typeof result !== 'string') return typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : undefined;
  try {
    const parsed: unknown = JSON.parse(result);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { message: result };
  } catch {
    return { message: result };
  }
}
