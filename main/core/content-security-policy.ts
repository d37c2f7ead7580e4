// The console's Content Security Policy, the same in Electron (app:// responses) and in the browser
// host (its HTTP responses), so the renderer is tested under the policy it ships with.

/**
 * Everything the renderer may load comes from the app itself. The renderer talks to main only, so
 * `connect-src` needs no backend. `blob:` for workers and media covers the AudioWorklet and the
 * playback of the assistant's voice in the web test. `https:` media is for call recordings, which
 * the voice platform serves from its own storage; media elements cannot run code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob: https:",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
