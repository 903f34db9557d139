import { useState } from 'react';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { ErrorNote } from '../../components/dialog';
import { RowButton } from '../../components/row-button';
import { Field } from '../../components/field';
import { DataTable } from '../../components/data-table';
import { LoadState } from '../../components/states';

/** Who may use, deploy to or administer a prefix (its admins manage this). */
export function GrantsPanel({ prefixKey }: { prefixKey: string }) {
  const { session } = useSession();
  const path = { key: prefixKey };
  const grants = useApi(() => session.client.GET('/console/api/modelhost/model-prefixes/{key}/grants', { params: { path } }), [prefixKey]);
  const [email, setEmail] = useState('');
  const [canDeploy, setCanDeploy] = useState(false);
  const [error, setError] = useState<string>();
  const done = (failure: unknown) => {
    setError(failure ? errorText(failure) : undefined);
    grants.reload();
  };
  const add = async () => {
    const { error } = await session.client.POST('/console/api/modelhost/model-prefixes/{key}/grants', {
      params: { path },
      body: { email, can_deploy: canDeploy },
    });
    if (!error) setEmail('');
    done(error);
  };
  const remove = async (userId: string) => {
    const { error } = await session.client.DELETE('/console/api/modelhost/model-prefixes/{key}/grants/{userId}', { params: { path: { ...path, userId } } });
    done(error);
  };
  return (
    <section aria-labelledby="grants-title">
      <h2 id="grants-title">Grants on {prefixKey}</h2>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <Field label="User email" type="email" value={email} onChange={(event) => setEmail(event.target.value)} required />
        <label className="choice">
          <input type="checkbox" checked={canDeploy} onChange={(event) => setCanDeploy(event.target.checked)} /> may deploy
        </label>
        <button type="submit">Grant</button>
      </form>
      {error && <ErrorNote>{error}</ErrorNote>}
      <LoadState loaded={grants} empty={(data) => !data.length && 'No grants: only platform admins use this prefix.'}>
        {(data) => (
          <DataTable columns={['User', 'Rights', 'Actions']} rows={data} rowKey={(grant) => grant.user_id}>
            {(grant) => (
              <>
                <td>{grant.email}</td>
                <td>{[grant.admin && 'admin', grant.can_deploy && 'deploy'].filter(Boolean).join(', ') || 'use'}</td>
                <td>
                  <RowButton label="Remove" target={`grant of ${grant.email}`} danger onClick={() => void remove(grant.user_id)} />
                </td>
              </>
            )}
          </DataTable>
        )}
      </LoadState>
    </section>
  );
}
