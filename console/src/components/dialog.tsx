import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';

/**
 * A modal built on <dialog>: the browser traps focus inside, Escape closes it, and it is announced
 * with its title. Rendered only while open, so its fields start empty each time.
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

/** A dialog whose content is a form: Enter submits, the buttons sit at the bottom. */
export function FormDialog({
  title,
  submit,
  submitLabel,
  busy,
  error,
  danger,
  onClose,
  children,
}: {
  title: string;
  submit: () => void;
  submitLabel: string;
  busy?: boolean;
  error?: string;
  danger?: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate>
        {children}
        {error && <ErrorNote>{error}</ErrorNote>}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
            {busy ? 'Working…' : submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ErrorNote({ children }: { children: ReactNode }) {
  return (
    <p className="error" role="alert">
      {children}
    </p>
  );
}
