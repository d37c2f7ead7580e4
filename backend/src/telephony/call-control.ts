// Live control of a call in progress through Vapi's `call.monitor.controlUrl` (docs/transfers.md):
// say a line, add a message to the conversation, transfer the caller, end the call. The assistant's
// front-desk transfer uses it today; "take the call" from the console is the next user.
//
// A control URL is a capability: whoever holds it can take over the call. It is never logged, never
// stored in a log line or error message, and never sent to a console. Only URLs on the voice
// platform's hosts are accepted (`allowUrl`), so a webhook cannot make the backend post to an
// arbitrary address. Requests are not retried: a repeated `transfer` could dial the desk twice.
import { z } from 'zod';

export const CALL_CONTROL_TIMEOUT_MS = 5_000;

/** Where a transfer sends the caller (Vapi's TransferDestinationNumber). */
export interface TransferDestination {
  type: 'number';
  /** E.164 */
  number: string;
  /** What the caller hears before being put through ("" for nothing); the platform's default otherwise. */
  message?: string;
  /** Blind by default; a warm transfer briefs the person who picks up first. */
  transferPlan?: Record<string, unknown>;
}

export type CallControlMessage =
  | { type: 'say'; content: string; endCallAfterSpoken?: boolean }
  | {
      type: 'add-message';
      message: { role: 'system' | 'user' | 'assistant'; content: string };
      triggerResponseEnabled?: boolean;
    }
  | { type: 'transfer'; destination: TransferDestination; content?: string }
  | { type: 'end-call' };

/** Why a control request did not go through, without the URL. */
export class CallControlError extends Error {
  constructor(
    /** `not_allowed`: not a control URL of the voice platform; `unreachable`: no answer; `refused`: a non-2xx answer. */
    readonly kind: 'not_allowed' | 'unreachable' | 'refused',
    readonly status?: number,
  ) {
    super(
      kind === 'not_allowed'
        ? 'not a control URL of the voice platform'
        : kind === 'unreachable'
          ? 'the call control endpoint did not answer'
          : `the call control endpoint answered HTTP ${status ?? '?'}`,
    );
    this.name = 'CallControlError';
  }
}

const ControlUrlSchema = z.url({ protocol: /^https?$/ }).max(2_000);

/** Control URLs of real Vapi calls: https on a vapi.ai host, default port, no credentials. */
export function isVapiControlUrl(url: URL): boolean {
  return (
    url.protocol === 'https:' &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    (url.hostname === 'vapi.ai' || url.hostname.endsWith('.vapi.ai'))
  );
}

export interface CallControlOptions {
  /** Whether a URL is one of the voice platform's control URLs (never the caller's say-so). */
  allowUrl: (url: URL) => boolean;
  timeoutMs?: number;
}

export class CallControl {
  private readonly timeoutMs: number;

  constructor(private readonly options: CallControlOptions) {
    this.timeoutMs = options.timeoutMs ?? CALL_CONTROL_TIMEOUT_MS;
  }

  /** Whether `controlUrl` may be used at all (a well-formed URL on the platform's hosts). */
  accepts(controlUrl: string | null | undefined): controlUrl is string {
    if (!controlUrl || !ControlUrlSchema.safeParse(controlUrl).success) return false;
    return this.options.allowUrl(new URL(controlUrl));
  }

  say(controlUrl: string, content: string, options: { endCallAfterSpoken?: boolean } = {}): Promise<void> {
    return this.send(controlUrl, { type: 'say', content, ...options });
  }

  /** Adds a message to the conversation; by default the assistant responds to it. */
  addMessage(
    controlUrl: string,
    message: { role: 'system' | 'user' | 'assistant'; content: string },
    options: { triggerResponse?: boolean } = {},
  ): Promise<void> {
    return this.send(controlUrl, {
      type: 'add-message',
      message,
      ...(options.triggerResponse === undefined ? {} : { triggerResponseEnabled: options.triggerResponse }),
    });
  }

  /** Puts the caller through to `destination`; `content` is what the assistant says first. */
  transfer(controlUrl: string, destination: TransferDestination, content?: string): Promise<void> {
    return this.send(controlUrl, { type: 'transfer', destination, ...(content ? { content } : {}) });
  }

  endCall(controlUrl: string): Promise<void> {
    return this.send(controlUrl, { type: 'end-call' });
  }

  /** Posts one control message; resolves on a 2xx answer (its body is undocumented and ignored). */
  async send(controlUrl: string, message: CallControlMessage): Promise<void> {
    if (!this.accepts(controlUrl)) throw new CallControlError('not_allowed');
    let response: Response;
    try {
      response = await fetch(controlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      // The fetch error names the URL: it is not passed on.
      throw new CallControlError('unreachable');
    }
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) throw new CallControlError('refused', response.status);
  }
}
