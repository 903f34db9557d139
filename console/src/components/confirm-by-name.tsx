import { useState, type ReactNode } from 'react';
import { FormDialog } from './dialog';
import { Field } from './field';

/** Deleting asks for the name to be typed, so a slip of the mouse deletes nothing. */
export function ConfirmByName({
  what,
  name,
  onConfirm,
  onClose,
  children,
}: {
  what: string;
  name: string;
  onConfirm: () => Promise<string | undefined>;
  onClose: () => void;
  children?: ReactNode;
}) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async () => {
    if (typed !== name) return setError(`Type ${name} to confirm.`);
    setBusy(true);
    const failure = await onConfirm();
    setBusy(false);
    if (failure) setError(failure);
  };
  return (
    <FormDialog
      title={`Delete ${what} ${name}?`}
      submitLabel={`Delete ${what}`}
      danger
      busy={busy}
      error={error}
      submit={() => void submit()}
      onClose={onClose}
    >
      {children}
      <p>This cannot be undone.</p>
      <Field label={`Type ${name} to confirm`} value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" autoFocus />
    </FormDialog>
  );
}
