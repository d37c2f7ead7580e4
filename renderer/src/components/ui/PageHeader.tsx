// A screen's title. After a navigation it takes focus (it is focusable, not tabbable), so keyboard
// and screen-reader users land on the screen they opened.
import { useEffect, useRef, type ReactNode } from 'react';
import { useStores } from '../../stores/context';

export function PageHeader(props: { title: string; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const stores = useStores();
  useEffect(() => {
    const navigation = stores.navigation.getState();
    if (!navigation.focusHeading) return;
    heading.current?.focus();
    navigation.headingFocused();
  }, [stores]);
  return (
    <div className="page-header">
      <h1 ref={heading} tabIndex={-1} className="page-header__title">
        {props.title}
      </h1>
      {props.children && <div className="page-header__extra">{props.children}</div>}
    </div>
  );
}
