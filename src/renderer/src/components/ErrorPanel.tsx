import type { ErrorDTO } from '../../../shared/errors';
import { ModelMissingWarning } from './ModelMissingWarning';

interface Props {
  error: ErrorDTO;
  /** Puts the contract's field paths into this form's words (e.g. `texts[2]` → `line 3`). */
  describePath?: (text: string) => string;
}

/** A failure as the core reported it: the message, each invalid field, and the hint on what to do. */
export function ErrorPanel({ error, describePath = (p) => p }: Props): React.JSX.Element {
  return (
    <div className="error-banner" role="alert" data-code={error.code}>
      <strong>{describePath(error.message)}</strong>
      {/* One issue is already the message's own summary; list them when there are several. */}
      {error.issues && error.issues.length > 1 && (
        <ul className="issues">
          {error.issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              {i.path ? `${describePath(i.path)}: ` : ''}
              {i.message}
            </li>
          ))}
        </ul>
      )}
      {error.hint && <div className="hint">Hint: {error.hint}</div>}
      <ModelMissingWarning error={error} />
    </div>
  );
}
