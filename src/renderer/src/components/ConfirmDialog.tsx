import { useRef } from 'react';
import { useDialogKeys } from './use-dialog-keys';

/**
 * An in-page confirmation (not window.confirm): it can show what goes and the bytes freed, carries test ids,
 * and behaves the same in Electron and in a browser. Escape or "Cancel" closes it without acting.
 */
export function ConfirmDialog({
  title,
  confirmLabel,
  dismissLabel = 'Cancel',
  busy = false,
  onConfirm,
  onCancel,
  children,
  testId = 'confirm-dialog',
}: {
  title: string;
  confirmLabel: string;
  /** The button that closes without acting. */
  dismissLabel?: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: React.ReactNode;
  testId?: string;
}): React.JSX.Element {
  // The safe choice is focused on opening: Enter on an open dialog must not delete anything.
  const cancelRef = useRef<HTMLButtonElement>(null);
  useDialogKeys(cancelRef, onCancel);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={`${testId}-title`} data-testid={testId}>
        <h2 id={`${testId}-title`}>{title}</h2>
        <div className="modal-body">{children}</div>
        <div className="row modal-actions">
          <button ref={cancelRef} onClick={onCancel} disabled={busy} data-testid={`${testId}-cancel`}>
            {dismissLabel}
          </button>
          <button className="danger" onClick={onConfirm} disabled={busy} data-testid={`${testId}-confirm`}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
