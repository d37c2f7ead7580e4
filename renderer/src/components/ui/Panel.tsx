// A titled region of a screen; the heading names the landmark for screen-reader navigation.
import { useId, type ReactNode } from 'react';

export function Panel(props: {
  title: string;
  actions?: ReactNode;
  className?: string;
  headingLevel?: 2 | 3;
  busy?: boolean;
  children: ReactNode;
}) {
  const id = useId();
  const Heading = props.headingLevel === 3 ? 'h3' : 'h2';
  return (
    <section className={`panel ${props.className ?? ''}`} aria-labelledby={id} aria-busy={props.busy || undefined}>
      <header className="panel__header">
        <Heading id={id} className="panel__title">
          {props.title}
        </Heading>
        {props.actions && <div className="panel__actions">{props.actions}</div>}
      </header>
      <div className="panel__body">{props.children}</div>
    </section>
  );
}
