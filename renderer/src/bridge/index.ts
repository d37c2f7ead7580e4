// How the console reaches the main process. In Electron the preload exposes the typed bridge as
// `window.voxanne`; in the browser host the same API arrives over a loopback WebSocket through
// host-bridge.ts (owned by the main-process side). Nothing else in the renderer touches either.
import type { ApiError, IpcResult, VoxanneBridge } from '@voxanne/protocol';

declare global {
  interface Window {
    voxanne?: VoxanneBridge;
  }
}

/**
 * The preload's bridge when running in Electron; otherwise the browser host's, loaded on demand so
 * the Electron window never fetches it. Rejects with a message meant for the person at the screen.
 */
export async function connectBridge(): Promise<VoxanneBridge> {
  if (window.voxanne) return window.voxanne;
  const { connectHostBridge } = await import('./host-bridge');
  return connectHostBridge();
}

/** What the console shows when the host itself could not be reached (the bridge call threw). */
export const HOST_UNREACHABLE: ApiError = {
  code: 'unavailable',
  message: 'Voxanne Desk lost contact with its background service. Try again in a moment.',
};

/**
 * Bridge calls resolve to IpcResult values; a transport failure (the browser host's socket dropped)
 * surfaces as a rejected promise. Folding both into one result keeps every caller's error path single.
 */
export async function settle<T>(call: Promise<IpcResult<T>>): Promise<IpcResult<T>> {
  try {
    return await call;
  } catch {
    return { ok: false, error: HOST_UNREACHABLE };
  }
}
