// Applies the chosen theme to the document; "system" leaves it to prefers-color-scheme in CSS.
import { useEffect } from 'react';
import type { DesktopSettings } from '@voxanne/protocol';

export function useTheme(theme: DesktopSettings['theme'] | undefined): void {
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
    else delete root.dataset.theme;
  }, [theme]);
}
