// @jsxRuntime automatic
/** A modal dialog: labelled, focus moved inside on open, Escape closes (when allowed). */
import { useEffect, useRef, type ReactNode } from 'react';

/** Props of Dialog. */
export interface DialogProps {
  title: string;
  onClose?: () => void;
  children: ReactNode;
}

/** Modal dialog. */
export function Dialog({ title, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Move focus into the dialog; give it back to whatever had it when the dialog closes.
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const first =
      ref.current?.querySelector<HTMLElement>('[data-autofocus]') ??
      ref.current?.querySelector<HTMLElement>('input, select, textarea, button');
    first?.focus();
    return () => previous?.focus();
  }, []);
  const id = `dlg-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="backdrop">
      <div
        ref={ref}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={id}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && onClose) {
            e.stopPropagation();
            onClose();
            return;
          }
          if (e.key === 'Tab') {
            // Keep Tab inside the modal.
            const items = [
              ...(ref.current?.querySelectorAll<HTMLElement>('input, select, textarea, button, [href]') ?? []),
            ].filter((el) => !el.hasAttribute('disabled'));
            const first = items[0];
            const last = items[items.length - 1];
            if (!first || !last) return;
            if (e.shiftKey && document.activeElement === first) {
              e.preventDefault();
              last.focus();
            } else if (!e.shiftKey && document.activeElement === last) {
              e.preventDefault();
              first.focus();
            }
          }
        }}
      >
        <h2 id={id}>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** Props of ConfirmDialog. */
export interface ConfirmDialogProps {
  title: string;
  /** Text of the confirming button. */
  confirm: string;
  children: ReactNode;
  onConfirm(): void;
  onCancel(): void;
}

/** Asks before something is done; Cancel has the focus, Escape cancels. */
export function ConfirmDialog({ title, confirm, children, onConfirm, onCancel }: ConfirmDialogProps) {
  return (
    <Dialog title={title} onClose={onCancel}>
      {children}
      <div className="actions">
        <button type="button" data-autofocus onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}
