// The backend's REST routes as typed calls: one request per call, a 10 s time limit, responses
// checked against the route table's schemas, every failure turned into an ApiError value.
//
// It knows nothing about sessions: the caller passes the access and CSRF tokens it holds.
import { ApiErrorBodySchema, CSRF_HEADER, apiRoutes, routePath, type ApiError, type ApiRouteName } from '@voxanne/protocol';
import type { z } from 'zod';
import type { Logger } from './logger.js';
import type { Clock, FetchLike } from './ports.js';
import { UserMessage } from './user-messages.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

type Route<N extends ApiRouteName> = (typeof apiRoutes)[N];
export type ApiResponseOf<N extends ApiRouteName> =
  Route<N> extends { response: infer S extends z.ZodType } ? z.output<S> : Route<N> extends { csv: true } ? string : null;
export type ApiBodyOf<N extends ApiRouteName> = Route<N> extends { body: infer S extends z.ZodType } ? z.input<S> : never;

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError; status: number | null };

export interface RequestCredentials {
  accessToken: string;
  csrfToken: string;
}

export interface ApiCallOptions {
  params?: { id?: string };
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Multipart upload: one `file` field. */
  file?: { filename: string; data: Uint8Array; mimeType: string; onProgress?: (sent: number, total: number) => void };
  credentials?: RequestCredentials;
}

export interface ApiClientOptions {
  baseUrl: string;
  fetch: FetchLike;
  clock: Clock;
  logger: Logger;
  timeoutMs?: number;
}

const UPLOAD_CHUNK_BYTES = 64 * 1024;

export class ApiClient {
  readonly baseUrl: string;
  private readonly options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async call<N extends ApiRouteName>(name: N, options: ApiCallOptions = {}): Promise<ApiResult<ApiResponseOf<N>>> {
    const route: Route<N> = apiRoutes[name];
    const url = new URL(this.baseUrl + routePath(name, options.params));
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'csv' in route ? 'text/csv' : 'application/json' };
    if (route.auth) {
      if (!options.credentials) return failure('unauthenticated', UserMessage.notSignedIn, null);
      headers.authorization = `Bearer ${options.credentials.accessToken}`;
      if (route.csrf) headers[CSRF_HEADER] = options.credentials.csrfToken;
    }

    const controller = new AbortController();
    let timedOut = false;
    const timer = this.options.clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);

    let response: Response;
    try {
      const init: RequestInit & { duplex?: 'half' } = { method: route.method, headers, signal: controller.signal };
      if (options.file) {
        const { body, contentType, totalBytes } = await multipartBody(options.file);
        headers['content-type'] = contentType;
        init.body = countedStream(body, totalBytes, options.file.onProgress);
        init.duplex = 'half';
      } else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(options.body);
      }
      response = await this.options.fetch(url, init);
    } catch (err) {
      this.options.clock.clearTimeout(timer);
      this.options.logger.warn('backend request failed', { route: name, timedOut, error: err });
      return timedOut ? failure('unavailable', UserMessage.serverSlow, null) : failure('unavailable', UserMessage.serverUnreachable, null);
    }

    try {
      const text = await response.text();
      if (response.status !== route.status) return this.errorFrom(name, response.status, text);
      if ('csv' in route) return { ok: true, data: text as ApiResponseOf<N> };
      if (!('response' in route)) return { ok: true, data: null as ApiResponseOf<N> };
      const parsed = (route.response as z.ZodType).safeParse(text === '' ? undefined : JSON.parse(text));
      if (!parsed.success) {
        this.options.logger.error('backend answer does not match the contract', { route: name, issues: parsed.error.issues.slice(0, 3) });
        return failure('internal', UserMessage.serverConfused, response.status);
      }
      return { ok: true, data: parsed.data as ApiResponseOf<N> };
    } catch (err) {
      this.options.logger.warn('backend answer unreadable', { route: name, timedOut, error: err });
      return timedOut
        ? failure('unavailable', UserMessage.serverSlow, response.status)
        : failure('internal', UserMessage.serverConfused, response.status);
    } finally {
      this.options.clock.clearTimeout(timer);
    }
  }

  private errorFrom(name: ApiRouteName, status: number, text: string): ApiResult<never> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = ApiErrorBodySchema.safeParse(body);
    if (parsed.success) return { ok: false, error: parsed.data.error, status };
    this.options.logger.warn('backend error without an error body', { route: name, status });
    if (status >= 500) return failure('unavailable', UserMessage.serverUnreachable, status);
    if (status === 401) return failure('unauthenticated', UserMessage.sessionExpired, status);
    return failure('internal', UserMessage.serverConfused, status);
  }
}

function failure(code: ApiError['code'], message: string, status: number | null): ApiResult<never> {
  return { ok: false, error: { code, message }, status };
}

// The multipart encoding is the platform's own (FormData through Response); we only need its bytes
// up front to report progress against a known total.
async function multipartBody(file: NonNullable<ApiCallOptions['file']>) {
  const form = new FormData();
  form.append('file', new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.mimeType }), file.filename);
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type') ?? 'multipart/form-data';
  const body = new Uint8Array(await encoded.arrayBuffer());
  return { body, contentType, totalBytes: body.byteLength };
}

function countedStream(body: Uint8Array, total: number, onProgress?: (sent: number, total: number) => void) {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= body.byteLength) {
        controller.close();
        return;
      }
      const chunk = body.subarray(offset, Math.min(offset + UPLOAD_CHUNK_BYTES, body.byteLength));
      offset += chunk.byteLength;
      controller.enqueue(chunk);
      onProgress?.(offset, total);
    },
  });
}
