import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { Session, User } from './session';

export const SessionContext = createContext<{ session: Session; user: User } | null>(null);

export function useSession(): { session: Session; user: User } {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads what a page shows. `load` returns the generated client's `{data, error}`; the page renders
 * a loading state, the API's error in words, or the data, and calls `reload` after a change.
 */
export function useApi<T>(load: () => Promise<{ data?: T; error?: unknown }>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      ({ data, error }) => current && setState({ data, error: data === undefined ? (error ?? 'no data') : undefined, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, reload };
}
