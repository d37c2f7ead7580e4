// What a panel shows while its data is on the way: same footprint as the content, so nothing jumps.
import type { ReactNode } from 'react';
export function Loading(props: { label: string; rows?: number }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{props.label}</span>
      {props.rows !== undefined && (
        <div className="loading__rows" aria-hidden="true">
          {Array.from({ length: props.rows }, (_, i) => (
            <div key={i} className="skeleton-row" />
          ))}
        </div>
      )}
    </div>
  );
}

export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-state__title">{props.title}</p>
      {props.children && <div className="empty-state__hint">{props.children}</div>}
    </div>
  );
}
