// Twilio through the official `twilio` package: the account's incoming numbers (to check a clinic's
// credentials and number before importing it into Vapi), outbound SMS, and X-Twilio-Signature
// validation of Twilio's webhooks.
//
// The package always builds https://api.twilio.com/... URLs; a small RequestClient re-points them at
// TWILIO_BASE_URL, so in sandbox mode the very same client code talks to the simulator.
import type TwilioSDK from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient.js';
import type { ErrorCode } from '@voxanne/protocol';
import { AppError } from '../errors.js';

export const TWILIO_TIMEOUT_MS = 10_000;
const TWILIO_API_ORIGIN = /^https:\/\/api\.twilio\.com/;

type TwilioPackage = typeof TwilioSDK;
let twilioPackage: Promise<TwilioPackage> | undefined;

/**
 * The `twilio` package, loaded on first use: it is ~20 MB of resident memory, and an instance may
 * go hours without sending an SMS or checking a number.
 */
function loadTwilio(): Promise<TwilioPackage> {
  // A CommonJS package: its function is the ES module's default export.
  twilioPackage ??= import('twilio').then((module) => (module as unknown as { default: TwilioPackage }).default);
  return twilioPackage;
}

/** A RequestClient that sends what the package addresses to api.twilio.com to `baseUrl` instead. */
function redirectingRequestClient(twilio: TwilioPackage, baseUrl: string): TwilioRequestClient {
  class RedirectingRequestClient extends twilio.RequestClient {
    override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
      return super.request<TData>({ ...opts, uri: opts.uri.replace(TWILIO_API_ORIGIN, baseUrl) });
    }
  }
  return new RedirectingRequestClient({ timeout: TWILIO_TIMEOUT_MS });
}

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export interface SentSms {
  sid: string;
  status: string;
}

/** Builds Twilio clients for any account against one API base URL (production or sandbox). */
export class TwilioGateway {
  constructor(private readonly baseUrl: string) {}

  async client(credentials: TwilioCredentials): Promise<TwilioSDK.Twilio> {
    const twilio = await loadTwilio();
    const production = this.baseUrl === 'https://api.twilio.com';
    return twilio(credentials.accountSid, credentials.authToken, {
      timeout: TWILIO_TIMEOUT_MS,
      ...(production ? {} : { httpClient: redirectingRequestClient(twilio, this.baseUrl) }),
    });
  }

  /**
   * Whether `number` is one of the account's incoming numbers. Wrong credentials are a validation
   * problem of the request (the clinic typed them), not a platform failure.
   */
  async ownsIncomingNumber(credentials: TwilioCredentials, number: string): Promise<boolean> {
    try {
      const found = await (await this.client(credentials)).incomingPhoneNumbers.list({ phoneNumber: number, limit: 20 });
      return found.some((n) => n.phoneNumber === number);
    } catch (error) {
      throw twilioError(error, 'Twilio did not accept this Account SID and Auth Token. Copy both again from the Twilio console.');
    }
  }

  async sendSms(credentials: TwilioCredentials, message: { from: string; to: string; body: string }): Promise<SentSms> {
    try {
      const sent = await (await this.client(credentials)).messages.create({ from: message.from, to: message.to, body: message.body });
      return { sid: sent.sid, status: sent.status };
    } catch (error) {
      throw twilioError(error, 'Twilio rejected the SMS credentials configured for this service.');
    }
  }
}

function twilioError(error: unknown, authMessage: string): AppError {
  const e = error as { status?: unknown; code?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : undefined;
  let code: ErrorCode = 'provider_unavailable';
  let message = 'Twilio could not be reached. Try again in a minute.';
  if (status === 401 || status === 403 || e.code === 20003) {
    code = 'validation_failed';
    message = authMessage;
  } else if (status !== undefined && status >= 400 && status < 500) {
    code = 'provider_error';
    message = `Twilio refused the request${typeof e.message === 'string' ? `: ${e.message.slice(0, 200)}` : '.'}`;
  }
  return new AppError(code, message);
}

/** X-Twilio-Signature check for a form-encoded webhook; `url` is the full public URL Twilio posted to. */
export async function twilioSignatureValid(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, unknown>,
): Promise<boolean> {
  if (!signature) return false;
  return (await loadTwilio()).validateRequest(authToken, signature, url, params);
}

/** The signature Twilio would send for these parameters (the sandbox signs its inbound SMS with it). */
export async function twilioSignature(authToken: string, url: string, params: Record<string, string>): Promise<string> {
  return (await loadTwilio()).getExpectedTwilioSignature(authToken, url, params);
}
