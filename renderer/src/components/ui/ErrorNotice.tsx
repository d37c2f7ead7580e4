// A friendly error with an optional way forward; announced to screen readers as it appears.
import type { ApiError } from '@voxanne/protocol';
import { errorMessage } from '../../format/errors';

export function ErrorNotice(props: { error: ApiError; title?: string; onRetry?: () => void; retrying?: boolean }) {
  const { error, title, onRetry, retrying } = props;
  return (
    <div className="notice notice--error" role="alert">
      <span className="notice__icon" aria-hidden="true">
        !
      </span>
      <div className="notice__body">
        {title && <p className="notice__title">{title}</p>}
        <p>{errorMessage(error)}</p>
      </div>
      {onRetry && (
        <button type="button" className="button button--small" onClick={onRetry} disabled={retrying}>
          {retrying ? 'Retrying…' : 'Try again'}
        </button>
      )}
    </div>
  );
}
