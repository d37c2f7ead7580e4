// How the console reaches the main process. In Electron the preload exposes the typed bridge as
// `window.voxanne`; in the browser host the same API arrives over a loopback WebSocket through
// host-bridge.ts (owned by the main-process side). Nothing else in the renderer touches either.
import type { ApiError, IpcResult, VoxanneBridge } from '@voxanne/protocol';

declare global {
  interface Window {
    voxanne?: VoxanneBridge;
  }
}

type HostBridgeModule = { connectHostBridge: () => Promise<VoxanneBridge> };

// A glob rather than a plain `import()`: the browser-host client is built by another workspace
// owner and is optional in the Electron build; the glob keeps it in its own chunk and lets the
// console explain itself if it is missing instead of failing the build.
const hostBridgeModules = import.meta.glob<HostBridgeModule>('./host-bridge.ts');

export class BridgeUnavailableError extends Error {}

export async function connectBridge(): Promise<VoxanneBridge> {
  if (window.voxanne) return window.voxanne;
  const load = hostBridgeModules['./host-bridge.ts'];
  if (!load) throw new BridgeUnavailableError('This build has no way to reach the Voxanne Desk host.');
  const module = await load();
  return module.connectHostBridge();
}

/** What the console shows when the host itself could not be reached (the bridge call threw). */
export const HOST_UNREACHABLE: ApiError = {
  code: 'unavailable',
  message: "Voxanne Desk lost contact with its background service. Try again in a moment.",
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
