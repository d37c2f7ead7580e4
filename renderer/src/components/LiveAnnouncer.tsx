// Reads out new calls and calls needing attention to screen-reader users (a polite live region),
// without moving focus. Sighted users see the same news appear in the live calls panel.
import { useCalls } from '../stores/context';

export function LiveAnnouncer() {
  const announcement = useCalls((s) => s.announcement);
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      {announcement && <span key={announcement.key}>{announcement.text}</span>}
    </div>
  );
}
