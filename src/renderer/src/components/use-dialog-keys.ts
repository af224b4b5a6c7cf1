import { useEffect, useRef, type RefObject } from 'react';

/**
 * An in-page dialog's keyboard: the safe button is focused once, on opening (Enter must not act), and Escape
 * calls `onEscape`, the latest one given.
 */
export function useDialogKeys(safeButton: RefObject<HTMLButtonElement | null>, onEscape: () => void): void {
  const escape = useRef(onEscape);
  escape.current = onEscape;
  useEffect(() => {
    safeButton.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') escape.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [safeButton]);
}
