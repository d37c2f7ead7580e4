// The frame around every signed-in screen: skip link, header (clinic, connection, user menu),
// navigation and the main landmark.
import { useEffect, useRef, type ReactNode } from 'react';
import { ConnectionIndicator } from './ConnectionIndicator';
import { LiveAnnouncer } from './LiveAnnouncer';
import { UpdateBanner } from './UpdateBanner';
import { useNavigation, useSession, useStores } from '../stores/context';
import { type PageName, type Route, routeToHash } from '../stores/navigation-store';

/** `adminOnly`: front-desk staff never see the item (the backend refuses them the data anyway). */
const NAV_ITEMS: { page: PageName; label: string; route: Route; adminOnly?: true }[] = [
  { page: 'dashboard', label: 'Dashboard', route: { page: 'dashboard' } },
  { page: 'work-queue', label: 'Work queue', route: { page: 'work-queue' } },
  { page: 'calls', label: 'Call history', route: { page: 'calls' } },
  { page: 'agent', label: 'Assistant', route: { page: 'agent' } },
  { page: 'knowledge', label: 'Knowledge base', route: { page: 'knowledge' } },
  { page: 'numbers', label: 'Phone number', route: { page: 'numbers' } },
  { page: 'activity', label: 'Activity', route: { page: 'activity' }, adminOnly: true },
  { page: 'staff', label: 'Staff', route: { page: 'staff' }, adminOnly: true },
  { page: 'settings', label: 'Settings', route: { page: 'settings' } },
];

export function AppShell(props: { children: ReactNode }) {
  const stores = useStores();
  const route = useNavigation((s) => s.route);
  const session = useSession((s) => s.session);
  const pending = useSession((s) => s.pending);
  const main = useRef<HTMLElement>(null);
  const user = session && session.status !== 'signed-out' ? session.user : null;
  const currentPage: PageName = route.page === 'call' ? 'calls' : route.page;

  // Ctrl+L (⌘L on a Mac) locks from anywhere in the window: a receptionist walking away should not
  // have to find the button.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isLockShortcut(event)) return;
      event.preventDefault();
      void stores.session.getState().lock();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [stores]);

  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.querySelector<HTMLElement>('h1')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="shell__header">
        <div className="brand">
          <span className="brand__mark" aria-hidden="true">
            V
          </span>
          <span className="brand__name">Voxanne Desk</span>
          {user && <span className="brand__clinic">{user.clinicName}</span>}
        </div>
        <ConnectionIndicator />
        {user && (
          <div className="user-menu">
            <span className="user-menu__name">{user.name}</span>
            <button
              type="button"
              className="button button--quiet"
              disabled={pending}
              title="Lock (Ctrl+L)"
              aria-keyshortcuts="Control+L Meta+L"
              onClick={() => void stores.session.getState().lock()}
            >
              Lock
            </button>
            <button
              type="button"
              className="button button--quiet"
              disabled={pending}
              onClick={() => void stores.session.getState().logout()}
            >
              Sign out
            </button>
          </div>
        )}
      </header>
      <nav className="shell__nav" aria-label="Main">
        <ul>
          {NAV_ITEMS.filter((item) => !item.adminOnly || user?.role === 'admin').map((item) => (
            <li key={item.page}>
              <a
                href={routeToHash(item.route)}
                className="nav-link"
                aria-current={currentPage === item.page ? 'page' : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  stores.navigation.getState().navigate(item.route);
                }}
              >
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} className="shell__main">
        <UpdateBanner />
        {props.children}
      </main>
      <LiveAnnouncer />
    </div>
  );
}

function isLockShortcut(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'l';
}
