import type { ReactNode } from 'react';
import { errorText } from '../api/session';
import type { Loaded } from '../api/use-api';
import { ErrorNote } from './dialog';

/** The loading, error and empty states every list shares; `children` renders the data. */
export function LoadState<T>({ loaded, empty, children }: { loaded: Loaded<T>; empty?: (data: T) => ReactNode; children: (data: T) => ReactNode }) {
  if (loaded.error !== undefined) return <ErrorNote>{errorText(loaded.error, 'Could not load this page.')}</ErrorNote>;
  if (loaded.data === undefined) {
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  }
  const nothing = empty?.(loaded.data);
  if (nothing) return <p className="empty">{nothing}</p>;
  return <>{children(loaded.data)}</>;
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge badge-${state}`}>{state}</span>;
}

export function Labels({ labels }: { labels?: Record<string, string> | null }) {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return <span className="muted">—</span>;
  return (
    <ul className="labels">
      {entries.map(([key, value]) => (
        <li key={key}>
          {key}={value}
        </li>
      ))}
    </ul>
  );
}
