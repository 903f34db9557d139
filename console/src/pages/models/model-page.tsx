import { useState } from 'react';
import type { components } from '../../../../clients/typescript';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { ConfirmByName } from '../../components/confirm-by-name';
import { CopyOnceDialog, Snippet } from '../../components/copy-once';
import { ErrorNote, FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { DataTable } from '../../components/data-table';
import { LoadState } from '../../components/states';
import { Time } from '../../components/time';
import { navigate } from '../../router';
import { GrantsPanel } from './grants-panel';

type Stage = components['schemas']['ModelVersionDto']['stage'];
const STAGES: Stage[] = ['None', 'Staging', 'Production'];

/** One model: its versions, a session token to call it, and (prefix admins) who may use its prefix. */
export function ModelPage({ modelId }: { modelId: number }) {
  const { session } = useSession();
  const model = useApi(() => session.client.GET('/console/api/modelhost/models/{modelId}', { params: { path: { modelId } } }), [modelId]);
  const prefixes = useApi(() => session.client.GET('/console/api/modelhost/model-prefixes'), []);
  const [dialog, setDialog] = useState<'version' | 'delete'>();
  const [sessionToken, setSessionToken] = useState<string>();
  const [error, setError] = useState<string>();
  const prefix = prefixes.data?.find((candidate) => candidate.key === model.data?.prefix_key);
  const canDeploy = Boolean(prefix && (prefix.can_deploy || prefix.admin));
  const versionPath = (version: string) => ({ path: { modelId, version } });
  const act = async (call: Promise<{ error?: unknown }>) => {
    const { error } = await call;
    setError(error ? errorText(error) : undefined);
    model.reload();
  };
  const getSessionToken = async () => {
    const { data, error } = await session.client.POST('/console/api/modelhost/model-auth', { body: { model_id: modelId } });
    setError(error ? errorText(error) : undefined);
    if (data) setSessionToken(data.token);
  };
  return (
    <section>
      <LoadState loaded={model}>
        {(data) => {
          const url = `${window.location.origin}/${data.prefix}/${data.name}/`;
          return (
            <>
              <PageHeader title={data.name} crumbs={[{ to: '/models', label: 'Models' }]}>
                <button type="button" className="primary" onClick={() => void getSessionToken()}>
                  Get session token
                </button>
                {canDeploy && (
                  <button type="button" onClick={() => setDialog('version')}>
                    Add version
                  </button>
                )}
                {canDeploy && (
                  <button type="button" className="danger" onClick={() => setDialog('delete')}>
                    Delete model
                  </button>
                )}
              </PageHeader>
              <p className="muted">
                Model {data.model_id} in <code>{data.prefix}</code> · <span className="wrap">{url}</span>
              </p>
              {data.description && <p>{data.description}</p>}
              {error && <ErrorNote>{error}</ErrorNote>}
              <h2>Versions</h2>
              {!data.versions?.length ? (
                <p className="empty">No versions yet.</p>
              ) : (
                <DataTable
                  columns={['Version', 'Stage', 'Draft', 'Created', canDeploy && 'Actions']}
                  rows={data.versions}
                  rowKey={(version) => version.version}
                >
                  {(version) => (
                    <>
                      <td>{version.version}</td>
                      <td>
                        {canDeploy ? (
                          <select
                            aria-label={`Stage of version ${version.version}`}
                            value={version.stage}
                            onChange={(event) =>
                              void act(
                                session.client.PATCH('/console/api/modelhost/models/{modelId}/versions/{version}', {
                                  params: versionPath(version.version),
                                  body: { stage: event.target.value as Stage },
                                }),
                              )
                            }
                          >
                            {STAGES.map((stage) => (
                              <option key={stage}>{stage}</option>
                            ))}
                          </select>
                        ) : (
                          version.stage
                        )}
                      </td>
                      <td>{version.draft ? 'yes' : 'no'}</td>
                      <td>
                        <Time value={version.created_at} />
                      </td>
                      {canDeploy && (
                        <td>
                          <button
                            type="button"
                            className="link danger"
                            aria-label={`Delete version ${version.version}`}
                            onClick={() =>
                              void act(
                                session.client.DELETE('/console/api/modelhost/models/{modelId}/versions/{version}', {
                                  params: versionPath(version.version),
                                }),
                              )
                            }
                          >
                            Delete
                          </button>
                        </td>
                      )}
                    </>
                  )}
                </DataTable>
              )}
              {prefix?.admin && <GrantsPanel prefixKey={prefix.key} />}
              {sessionToken && (
                <CopyOnceDialog title={`Session token for ${data.name}`} secret={sessionToken} onClose={() => setSessionToken(undefined)}>
                  <Snippet label="Call the model" text={`curl -H "Authorization: Bearer ${sessionToken}" "${url}?get_meta=true"`} />
                </CopyOnceDialog>
              )}
              {dialog === 'version' && (
                <AddVersionDialog
                  modelId={modelId}
                  onClose={() => setDialog(undefined)}
                  onAdded={() => {
                    setDialog(undefined);
                    model.reload();
                  }}
                />
              )}
              {dialog === 'delete' && (
                <ConfirmByName
                  what="model"
                  name={data.name}
                  onClose={() => setDialog(undefined)}
                  onConfirm={async () => {
                    const { error } = await session.client.DELETE('/console/api/modelhost/models/{modelId}', { params: { path: { modelId } } });
                    if (error) return errorText(error);
                    navigate('/models');
                  }}
                >
                  <p>Its session tokens stop working at once.</p>
                </ConfirmByName>
              )}
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

function AddVersionDialog({ modelId, onClose, onAdded }: { modelId: number; onClose: () => void; onAdded: () => void }) {
  const { session } = useSession();
  const [version, setVersion] = useState('');
  const [stage, setStage] = useState<Stage>('None');
  const { busy, error, submit } = useSubmit(
    () =>
      session.client.POST('/console/api/modelhost/models/{modelId}/versions', {
        params: { path: { modelId } },
        body: { version, stage },
      }),
    () => onAdded(),
  );
  const { byField, rest } = fieldErrors(error, ['version', 'stage']);
  return (
    <FormDialog title="Add version" submitLabel="Add version" busy={busy} error={rest} submit={submit} onClose={onClose}>
      <Field label="Version" value={version} onChange={(event) => setVersion(event.target.value)} error={byField.version} placeholder="3" autoFocus required />
      <div className="field">
        <label htmlFor="version-stage">Stage</label>
        <select id="version-stage" value={stage} onChange={(event) => setStage(event.target.value as Stage)}>
          {STAGES.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      </div>
    </FormDialog>
  );
}
