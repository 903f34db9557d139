import { useState, type FormEvent } from 'react';
import { errorText, type Session, type User } from '../../api/session';
import { ErrorNote } from '../../components/dialog';
import { Field } from '../../components/field';

export function SignInPage({ session, notice, onSignedIn }: { session: Session; notice?: string; onSignedIn: (user: User) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { user, error } = await session.signIn(email, password);
      if (user) return onSignedIn(user);
      setError(errorText(error, 'Signing in failed.'));
    } catch {
      setError('Tessera did not answer. Check the connection and try again.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <form onSubmit={(event) => void submit(event)}>
        <h1>Sign in to Tessera</h1>
        {notice && <p className="notice">{notice}</p>}
        <Field label="Email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} autoFocus />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
