// The console's Content Security Policy, the same in Electron (app:// responses) and in the browser
// host (its HTTP responses), so the renderer is tested under the policy it ships with.

/**
 * Everything the renderer may load comes from the app itself. The renderer talks to main only, so
 * `connect-src` needs no backend. The web test's AudioWorklet is a file of the app (`script-src
 * 'self'`) and its audio plays through Web Audio, so neither needs `blob:`. `https:` media is for
 * call recordings, which the voice platform serves from its own storage; media elements run no code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' https:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
