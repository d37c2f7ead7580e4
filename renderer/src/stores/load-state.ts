// The lifecycle of anything the console fetches: shared so every screen renders loading, error and
// ready the same way.
import type { ApiError } from '@voxanne/protocol';

export type LoadState =
  | { status: 'idle'; error: null }
  | { status: 'loading'; error: null }
  | { status: 'ready'; error: null }
  | { status: 'error'; error: ApiError };

export const IDLE: LoadState = { status: 'idle', error: null };
export const LOADING: LoadState = { status: 'loading', error: null };
export const READY: LoadState = { status: 'ready', error: null };
export const failed = (error: ApiError): LoadState => ({ status: 'error', error });
