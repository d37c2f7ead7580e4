// Which links may leave the app for the user's browser: https only, to hosts on the configured
// allow-list (VOXANNE_EXTERNAL_LINK_HOSTS). Used by `app.openExternal` and by the shell's
// window-open handler, so a link clicked and a link asked for are judged the same way.
export function isAllowedExternalLink(url: string, allowedHosts: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && allowedHosts.includes(parsed.hostname.toLowerCase())
  );
}
