// Reading desktop settings back from disk: whatever is stored is checked against the contract, and
// anything missing or broken falls back to the defaults (a bad file never blocks start-up).
import { DEFAULT_DESKTOP_SETTINGS, DesktopSettingsSchema, type DesktopSettings } from '@voxanne/protocol';

export function readStoredSettings(stored: unknown): DesktopSettings {
  const parsed = DesktopSettingsSchema.safeParse(stored);
  return parsed.success ? parsed.data : structuredClone(DEFAULT_DESKTOP_SETTINGS);
}
