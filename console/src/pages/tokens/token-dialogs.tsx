import { useState } from 'react';
import type { components } from '../../../../clients/typescript';
import { useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { formatLabels, LabelsField, parseLabels } from '../../components/labels-field';

export type TokenMetadata = components['schemas']['TokenMetadata'];
export type CreatedToken = components['schemas']['Token'];
export interface InstanceScope {
  projectId: string;
  regionId: string;
  instanceId: string;
}

// The portal's presets; "6 months" is the API's default maximum (TESSERA_INSTANCE_TOKEN_MAX_TTL).
const LIFETIMES = [
  { label: '30 days', value: '30d' },
  { label: '90 days', value: '90d' },
  { label: '6 months', value: '183d' },
] as const;
const FIELDS = ['name', 'description', 'labels', 'ttlDuration'] as const;

export function CreateTokenDialog({ scope, onClose, onCreated }: { scope: InstanceScope; onClose: () => void; onCreated: (token: CreatedToken) => void }) {
  const { session } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [labels, setLabels] = useState('');
  const [lifetime, setLifetime] = useState<string>('30d');
  const [custom, setCustom] = useState('');
  const parsed = parseLabels(labels);
  const { busy, error, submit } = useSubmit(
    () =>
      session.client.POST('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', {
        params: { path: scope },
        body: { name, description: description || undefined, labels: parsed.labels, ttlDuration: lifetime === 'custom' ? custom : lifetime },
      }),
    (data) => onCreated(data.token),
  );
  const { byField, rest } = fieldErrors(error, FIELDS);
  return (
    <FormDialog
      title="Create tracking token"
      submitLabel="Create token"
      busy={busy}
      error={rest}
      submit={() => parsed.error === undefined && submit()}
      onClose={onClose}
    >
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} autoFocus required maxLength={64} />
      <Field
        label="Description (optional)"
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        error={byField.description}
        maxLength={160}
      />
      <fieldset>
        <legend>Lifetime</legend>
        {LIFETIMES.map((option) => (
          <label key={option.value} className="choice">
            <input type="radio" name="lifetime" value={option.value} checked={lifetime === option.value} onChange={() => setLifetime(option.value)} />
            {option.label}
          </label>
        ))}
        <label className="choice">
          <input type="radio" name="lifetime" value="custom" checked={lifetime === 'custom'} onChange={() => setLifetime('custom')} />
          Custom
        </label>
        {lifetime === 'custom' && (
          <Field
            label="Custom lifetime"
            value={custom}
            onChange={(event) => setCustom(event.target.value)}
            placeholder="e.g. 14d, 12h, 1w2d, P45D"
            hint="Units w, d, h, m, s (e.g. 1w2d, 5h30m) or ISO 8601 (P45D, PT12H). At most 6 months unless your administrator allows more."
            error={byField.ttlDuration}
            required
          />
        )}
        {lifetime !== 'custom' && byField.ttlDuration && (
          <small className="error" role="alert">
            {byField.ttlDuration}
          </small>
        )}
      </fieldset>
      <LabelsField value={labels} onChange={setLabels} error={parsed.error ?? byField.labels} />
    </FormDialog>
  );
}

export function EditTokenDialog({ scope, token, onClose, onSaved }: { scope: InstanceScope; token: TokenMetadata; onClose: () => void; onSaved: () => void }) {
  const { session } = useSession();
  const [name, setName] = useState(token.name);
  const [description, setDescription] = useState(token.description ?? '');
  const [labels, setLabels] = useState(formatLabels(token.labels));
  const parsed = parseLabels(labels);
  const { busy, error, submit } = useSubmit(
    () =>
      session.client.PATCH('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', {
        params: { path: { ...scope, tokenId: token.id } },
        // An emptied description is removed (null), not sent as an empty string.
        body: { name, description: description || null, labels: labelChanges(token.labels, parsed.labels) },
      }),
    onSaved,
  );
  const { byField, rest } = fieldErrors(error, FIELDS);
  return (
    <FormDialog
      title={`Edit token ${token.name}`}
      submitLabel="Save"
      busy={busy}
      error={rest}
      submit={() => parsed.error === undefined && submit()}
      onClose={onClose}
    >
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} required maxLength={64} />
      <Field
        label="Description"
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        error={byField.description}
        maxLength={160}
        autoFocus
      />
      <LabelsField value={labels} onChange={setLabels} error={parsed.error ?? byField.labels} />
    </FormDialog>
  );
}

/** A PATCH merges labels: keys left out stay, so a label taken out of the text is sent as null. */
function labelChanges(before: Record<string, string> | null | undefined, after: Record<string, string>): Record<string, string | null> {
  const removed = Object.keys(before ?? {}).filter((key) => !(key in after));
  return { ...Object.fromEntries(removed.map((key) => [key, null])), ...after };
}
