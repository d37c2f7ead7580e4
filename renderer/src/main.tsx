// Entry point: reach the main process (preload bridge or browser host), then start the console.
import { createRoot } from 'react-dom/client';
import { connectBridge } from './bridge';
import { createConsoleStores } from './stores/console-stores';
import { routeFromHash } from './stores/navigation-store';
import { ConsoleRoot, Splash } from './App';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');
const root = createRoot(container);

function start(): void {
  root.render(<Splash />);
  connectBridge().then(
    (bridge) => {
      const stores = createConsoleStores(bridge, routeFromHash(window.location.hash));
      root.render(<ConsoleRoot bridge={bridge} stores={stores} />);
    },
    (error: unknown) => {
      root.render(
        <Splash>
          <h1 className="auth-card__title">Voxanne Desk could not start</h1>
          <p className="notice notice--error" role="alert">
            {error instanceof Error && error.message ? error.message : 'The console could not reach its background service.'}
          </p>
          <button type="button" className="button button--primary" onClick={start}>
            Try again
          </button>
        </Splash>,
      );
    },
  );
}

start();
