// A link to a call's detail page that works with the console's own navigation and the guard.
import type { ReactNode } from 'react';
import { useStores } from '../../stores/context';
import { routeToHash } from '../../stores/navigation-store';

export function CallLink(props: { callId: string; children: ReactNode; className?: string; label?: string }) {
  const stores = useStores();
  const route = { page: 'call', callId: props.callId } as const;
  return (
    <a
      href={routeToHash(route)}
      className={props.className}
      aria-label={props.label}
      onClick={(event) => {
        event.preventDefault();
        stores.navigation.getState().navigate(route);
      }}
    >
      {props.children}
    </a>
  );
}
