import { useState, type ReactNode } from 'react';
import { Dialog } from './dialog';

/** Copies `text`; where the Clipboard API is unavailable (plain http off localhost) the text is selected for Ctrl-C. */
export function CopyButton({ text, target, ariaLabel }: { text: string; target?: string; ariaLabel?: string }) {
  const [copied, setCopied] = useState<'yes' | 'select' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      const field = target ? document.getElementById(target) : null;
      if (field instanceof HTMLTextAreaElement || field instanceof HTMLInputElement) field.select();
      setCopied('select');
    }
  };
  return (
    <button type="button" onClick={() => void copy()} aria-label={ariaLabel}>
      {copied === 'yes' ? 'Copied' : copied === 'select' ? 'Selected: press Ctrl-C' : 'Copy'}
    </button>
  );
}

/**
 * Shows a secret the server returns only once (it keeps only a hash): copy button, the warning,
 * and how to use it.
 */
export function CopyOnceDialog({ title, secret, onClose, children }: { title: string; secret: string; onClose: () => void; children?: ReactNode }) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p className="warning">
        <strong>Copy it now: you will not see it again.</strong> Tessera keeps only a hash of it.
      </p>
      <label htmlFor="copy-once-secret">Token</label>
      <div className="secret">
        <textarea id="copy-once-secret" readOnly value={secret} rows={3} spellCheck={false} onFocus={(event) => event.currentTarget.select()} />
        <CopyButton text={secret} target="copy-once-secret" />
      </div>
      {children}
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

/** A shell line that uses the secret, with its own copy button. */
export function Snippet({ label, text }: { label: string; text: string }) {
  return (
    <figure className="snippet">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0}>
        <code>{text}</code>
      </pre>
      <CopyButton text={text} ariaLabel={`Copy: ${label}`} />
    </figure>
  );
}
