import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** A labelled input with its hint and, when the API refused the value, the reason right under it. */
export function Field({ label, hint, error, ...input }: { label: string; hint?: ReactNode; error?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint && hintId, error && errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...input} />
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errorId} className="error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/**
 * Splits an API validation message between the form's fields: the API names each bad field at the
 * start of its sentence (`name: ...`, `ttlDuration must ...`); what names no field stays with the form.
 */
export function fieldErrors<F extends string>(message: string | undefined, fields: readonly F[]): { byField: Partial<Record<F, string>>; rest?: string } {
  const byField: Partial<Record<F, string>> = {};
  if (!message) return { byField };
  const rest: string[] = [];
  for (const part of message.split('; ')) {
    const field = fields.find((name) => part === name || part.startsWith(`${name}:`) || part.startsWith(`${name} `) || part.startsWith(`${name}.`));
    if (field) byField[field] = byField[field] ? `${byField[field]}; ${part}` : part;
    else rest.push(part);
  }
  return { byField, rest: rest.length ? rest.join('; ') : undefined };
}
