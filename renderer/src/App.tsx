// The console's top level: which screen the session calls for (starting, sign in, locked, signed
// in), and inside the signed-in frame, which page the navigation names.
import { Suspense, lazy, useEffect, type ReactNode } from 'react';
import type { VoxanneBridge } from '@voxanne/protocol';
import { ConsoleProvider, useBridge, useNavigation, useSession, useSettings, useStores } from './stores/context';
import { type ConsoleStores, startConsole } from './stores/console-stores';
import { syncNavigationWithLocation } from './stores/navigation-store';
import { useActivityReporter } from './hooks/use-activity-reporter';
import { useTheme } from './hooks/use-theme';
import { useCanConfigure } from './hooks/use-can-configure';
import { AppShell } from './components/AppShell';
import { ErrorNotice } from './components/ui/ErrorNotice';
import { SignInPage } from './pages/SignInPage';
import { LockScreen } from './pages/LockScreen';
import { DashboardPage } from './pages/DashboardPage';
import { Loading } from './components/ui/Loading';
import { ListenEnvironmentContext } from './listen/use-call-listener';
import type { ListenEnvironment } from './listen/call-listener';
import { browserEnvironment } from './web-test/browser-environment';

// The dashboard is what opens first and stays open; the other screens load when first visited,
// keeping the start-up bundle small.
const CallHistoryPage = lazy(() => import('./pages/CallHistoryPage').then((m) => ({ default: m.CallHistoryPage })));
const CallDetailPage = lazy(() => import('./pages/CallDetailPage').then((m) => ({ default: m.CallDetailPage })));
const AgentPage = lazy(() => import('./pages/AgentPage').then((m) => ({ default: m.AgentPage })));
const KnowledgePage = lazy(() => import('./pages/KnowledgePage').then((m) => ({ default: m.KnowledgePage })));
const NumbersPage = lazy(() => import('./pages/NumbersPage').then((m) => ({ default: m.NumbersPage })));
const WorkQueuePage = lazy(() => import('./pages/WorkQueuePage').then((m) => ({ default: m.WorkQueuePage })));
const ActivityPage = lazy(() => import('./pages/ActivityPage').then((m) => ({ default: m.ActivityPage })));
const StaffPage = lazy(() => import('./pages/StaffPage').then((m) => ({ default: m.StaffPage })));
const SettingsPage = lazy(() => import('./pages/SettingsPage').then((m) => ({ default: m.SettingsPage })));

function CurrentPage() {
  const route = useNavigation((s) => s.route);
  const isAdmin = useCanConfigure();
  switch (route.page) {
    case 'dashboard':
      return <DashboardPage />;
    case 'work-queue':
      return <WorkQueuePage />;
    case 'calls':
      return <CallHistoryPage />;
    case 'call':
      return <CallDetailPage key={route.callId} callId={route.callId} />;
    case 'agent':
      return <AgentPage />;
    case 'knowledge':
      return <KnowledgePage />;
    case 'numbers':
      return <NumbersPage />;
    // Not in front desk's navigation; an address typed by hand lands on the dashboard.
    case 'activity':
      return isAdmin ? <ActivityPage /> : <DashboardPage />;
    case 'staff':
      return isAdmin ? <StaffPage /> : <DashboardPage />;
    case 'settings':
      return <SettingsPage />;
  }
}

export function Splash(props: { children?: ReactNode }) {
  return (
    <main className="auth-screen">
      <div className="auth-card">
        <p className="brand brand--large">
          <span className="brand__mark" aria-hidden="true">
            V
          </span>
          <span className="brand__name">Voxanne Desk</span>
        </p>
        {props.children ?? (
          <p role="status" className="loading">
            <span className="spinner" aria-hidden="true" /> Starting…
          </p>
        )}
      </div>
    </main>
  );
}

function Console() {
  const bridge = useBridge();
  const stores = useStores();
  const session = useSession((s) => s.session);
  const loadError = useSession((s) => s.loadError);
  const theme = useSettings((s) => s.settings?.theme);
  useTheme(theme);
  useActivityReporter(bridge, session?.status === 'signed-in');

  if (!session) {
    return (
      <Splash>
        {loadError && (
          <>
            <h1 className="auth-card__title">Voxanne Desk could not start</h1>
            <ErrorNotice error={loadError} onRetry={() => void stores.session.getState().load()} />
          </>
        )}
      </Splash>
    );
  }
  if (session.status === 'signed-out') return <SignInPage />;
  if (session.status === 'locked') return <LockScreen user={session.user} />;
  return (
    <AppShell>
      <Suspense fallback={<Loading label="Opening…" />}>
        <CurrentPage />
      </Suspense>
    </AppShell>
  );
}

/** Everything one console window runs: subscriptions, address sync and the screens. */
/** `listenEnvironment`: the browser calls are listened in on (a fake one in tests; the real one by default). */
export function ConsoleRoot(props: { bridge: VoxanneBridge; stores: ConsoleStores; listenEnvironment?: () => ListenEnvironment }) {
  const { bridge, stores } = props;
  useEffect(() => startConsole(bridge, stores), [bridge, stores]);
  useEffect(() => syncNavigationWithLocation(stores.navigation, window.location, window.history), [stores]);
  return (
    <ConsoleProvider bridge={bridge} stores={stores}>
      <ListenEnvironmentContext value={props.listenEnvironment ?? browserEnvironment}>
        <Console />
      </ListenEnvironmentContext>
    </ConsoleProvider>
  );
}
