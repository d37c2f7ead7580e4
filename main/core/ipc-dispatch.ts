// The door every renderer request comes through, in Electron (ipc-binding) and in the browser host
// (bridge server) alike: the channel must be a named one, the request must parse with its schema,
// and whatever happens the answer is an IpcResult value. Pushes are checked on the way out too.
import {
  ipcInvokeChannels,
  ipcPushChannels,
  type IpcHandlers,
  type IpcInvokeChannel,
  type IpcPushChannel,
  type IpcPushPayload,
  type IpcResult,
} from '@voxanne/protocol';
import type { z } from 'zod';
import type { Logger } from './logger.js';
import { UserFacingError } from './user-messages.js';

export function isInvokeChannel(channel: unknown): channel is IpcInvokeChannel {
  return typeof channel === 'string' && Object.hasOwn(ipcInvokeChannels, channel);
}

export async function dispatchInvoke(
  handlers: IpcHandlers,
  channel: unknown,
  request: unknown,
  logger: Logger,
): Promise<IpcResult<unknown>> {
  if (!isInvokeChannel(channel)) {
    logger.warn('renderer asked for an unknown channel', { channel: typeof channel === 'string' ? channel.slice(0, 64) : typeof channel });
    return { ok: false, error: { code: 'bad_request', message: 'The app asked for something that does not exist.' } };
  }
  const spec = ipcInvokeChannels[channel];
  // Methods without arguments may be called as `bridge.app.getInfo()`.
  const parsed = (spec.request as z.ZodType).safeParse(request === undefined ? {} : request);
  if (!parsed.success) {
    logger.warn('renderer request failed validation', { channel, issues: parsed.error.issues.length });
    return {
      ok: false,
      error: {
        code: 'validation_failed',
        message: parsed.error.issues[0]?.message ?? 'Some of the details are not valid.',
        details: parsed.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      },
    };
  }
  try {
    const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
    const data = await handler(parsed.data);
    const checked = (spec.response as z.ZodType).safeParse(data);
    if (!checked.success) {
      logger.error('handler answered outside the contract', { channel, issues: checked.error.issues.slice(0, 3) });
      return { ok: false, error: { code: 'internal', message: 'Something went wrong in the app. Try again.' } };
    }
    return { ok: true, data: checked.data };
  } catch (err) {
    if (err instanceof UserFacingError) return { ok: false, error: err.apiError };
    logger.error('handler failed', { channel, error: err });
    return { ok: false, error: { code: 'internal', message: 'Something went wrong in the app. Try again.' } };
  }
}

/** The payload as the schema reads it, or null (logged) when main was about to send something off-contract. */
export function checkPush<C extends IpcPushChannel>(channel: C, payload: unknown, logger: Logger): IpcPushPayload<C> | null {
  const parsed = (ipcPushChannels[channel] as z.ZodType).safeParse(payload);
  if (!parsed.success) {
    logger.error('push payload outside the contract; not sent', { channel, issues: parsed.error.issues.slice(0, 3) });
    return null;
  }
  return parsed.data as IpcPushPayload<C>;
}
