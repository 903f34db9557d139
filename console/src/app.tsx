import { useMemo, useState } from 'react';
import { Session, type User } from './api/session';
import { SessionContext } from './api/use-api';
import { AuditPage } from './pages/audit/audit-page';
import { ExternalTokensPage } from './pages/models/external-tokens-page';
import { ModelPage } from './pages/models/model-page';
import { ModelsPage } from './pages/models/models-page';
import { ProjectPage } from './pages/projects/project-page';
import { ProjectsPage } from './pages/projects/projects-page';
import { ServiceAccountsPage } from './pages/service-accounts/service-accounts-page';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { TokensPage } from './pages/tokens/tokens-page';
import { Link, navigate, useLocation } from './router';

export function App() {
  const [user, setUser] = useState<User>();
  const [expired, setExpired] = useState(false);
  const session = useMemo(
    () =>
      new Session(window.location.origin, () => {
        setUser(undefined);
        setExpired(true);
      }),
    [],
  );
  if (!user) {
    return (
      <SignInPage
        session={session}
        notice={expired ? 'Your session has ended. Sign in again.' : undefined}
        onSignedIn={(signedIn) => {
          setExpired(false);
          setUser(signedIn);
        }}
      />
    );
  }
  const signOut = async () => {
    await session.signOut();
    setUser(undefined);
    navigate('/');
  };
  return (
    <SessionContext.Provider value={{ session, user }}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Tessera
        </Link>
        <nav aria-label="Main">
          <Link to="/">Projects</Link>
          <Link to="/models">Models</Link>
          <Link to="/external-tokens">External API tokens</Link>
        </nav>
        <span className="who">{user.email}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main">
        <Routes />
      </main>
    </SessionContext.Provider>
  );
}

function Routes() {
  const { path } = useLocation();
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, projectId, section, regionId, , instanceId] = parts;
  if (!first) return <ProjectsPage />;
  if (first === 'projects' && projectId) {
    if (!section) return <ProjectPage projectId={projectId} />;
    if (section === 'service-accounts') return <ServiceAccountsPage projectId={projectId} />;
    if (section === 'audit') return <AuditPage projectId={projectId} />;
    if (section === 'regions' && regionId && instanceId) return <TokensPage projectId={projectId} regionId={regionId} instanceId={instanceId} />;
  }
  if (first === 'models' && !projectId) return <ModelsPage />;
  if (first === 'models' && projectId) return <ModelPage modelId={Number(projectId)} />;
  if (first === 'external-tokens') return <ExternalTokensPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the projects</Link>
      </p>
    </section>
  );
}
