// A screen's title. Focusable (not tabbable) so navigation can move focus to it.
import type { ReactNode } from 'react';

export function PageHeader(props: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1 tabIndex={-1} className="page-header__title">
        {props.title}
      </h1>
      {props.children && <div className="page-header__extra">{props.children}</div>}
    </div>
  );
}
