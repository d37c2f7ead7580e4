// Progress and error for one user action that goes over the bridge. Results arriving after the
// component unmounted are dropped rather than setting state on nothing.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, IpcResult } from '@voxanne/protocol';
import { settle } from '../bridge';

export interface AsyncAction<A extends unknown[], T> {
  run: (...args: A) => Promise<IpcResult<T>>;
  pending: boolean;
  error: ApiError | null;
  clearError: () => void;
}

export function useAsyncAction<A extends unknown[], T>(action: (...args: A) => Promise<IpcResult<T>>): AsyncAction<A, T> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const latestAction = useRef(action);
  const mounted = useRef(false);
  useEffect(() => {
    latestAction.current = action;
  });
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A) => {
    setPending(true);
    setError(null);
    const result = await settle(latestAction.current(...args));
    if (mounted.current) {
      setPending(false);
      setError(result.ok ? null : result.error);
    }
    return result;
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { run, pending, error, clearError };
}
