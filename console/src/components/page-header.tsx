import type { ReactNode } from 'react';
import { Link } from '../router';

/** The page's title, the way back up (breadcrumbs) and the page's main actions. */
export function PageHeader({ title, crumbs = [], children }: { title: ReactNode; crumbs?: { to: string; label: string }[]; children?: ReactNode }) {
  return (
    <div className="page-header">
      {crumbs.length > 0 && (
        <nav aria-label="Breadcrumb">
          <ol className="crumbs">
            {crumbs.map((crumb) => (
              <li key={crumb.to}>
                <Link to={crumb.to}>{crumb.label}</Link>
              </li>
            ))}
          </ol>
        </nav>
      )}
      <div className="title-row">
        <h1>{title}</h1>
        {children && <div className="page-actions">{children}</div>}
      </div>
    </div>
  );
}
