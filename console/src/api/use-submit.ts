import { useState } from 'react';
import { errorText } from './session';

/**
 * A form's submit: `busy` while the call runs, then `onDone` with the answer, or the API's error
 * in words (for the form to show next to the field or button it concerns).
 */
export function useSubmit<T>(call: () => Promise<{ data?: T; error?: unknown }>, onDone: (data: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data, error } = await call();
      if (data !== undefined) return onDone(data);
      setError(errorText(error));
    } catch {
      setError('Tessera did not answer. Check the connection and try again.');
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, submit: () => void run() };
}
