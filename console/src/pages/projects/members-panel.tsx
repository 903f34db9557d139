import { useState } from 'react';
import type { Role } from '../../api/project-role';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { ErrorNote, FormDialog } from '../../components/dialog';
import { RowButton } from '../../components/row-button';
import { Field, fieldErrors } from '../../components/field';
import { DataTable } from '../../components/data-table';
import { LoadState } from '../../components/states';

const ROLES: Role[] = ['reader', 'editor', 'owner'];

/** Members and their roles; owners add, change and remove them. */
export function MembersPanel({ projectId, canManage }: { projectId: string; canManage: boolean }) {
  const { session } = useSession();
  const members = useApi(() => session.client.GET('/v1/projects/{projectId}/members', { params: { path: { projectId } } }), [projectId]);
  const [adding, setAdding] = useState(false);
  const [rowError, setRowError] = useState<{ subject: string; text: string }>();
  const path = (subject: string) => ({ path: { projectId, subject } });
  const change = async (subject: string, role: Role) => {
    const { error } = await session.client.PATCH('/v1/projects/{projectId}/members/{subject}', { params: path(subject), body: { role } });
    setRowError(error ? { subject, text: errorText(error) } : undefined);
    members.reload();
  };
  const remove = async (subject: string) => {
    const { error } = await session.client.DELETE('/v1/projects/{projectId}/members/{subject}', { params: path(subject) });
    setRowError(error ? { subject, text: errorText(error) } : undefined);
    members.reload();
  };
  return (
    <section aria-labelledby="members-title">
      <div className="title-row">
        <h2 id="members-title">Members</h2>
        {canManage && (
          <button type="button" onClick={() => setAdding(true)}>
            Add member
          </button>
        )}
      </div>
      <LoadState loaded={members} empty={(data) => !data.items.length && 'No members.'}>
        {(data) => (
          <DataTable columns={['Member', 'Kind', 'Role', canManage && 'Actions']} rows={data.items} rowKey={(member) => member.subject}>
            {(member) => (
              <>
                <td>
                  {member.subject}
                  {rowError?.subject === member.subject && <ErrorNote>{rowError.text}</ErrorNote>}
                </td>
                <td>{member.subjectType}</td>
                <td>
                  {canManage ? (
                    <select
                      aria-label={`Role of ${member.subject}`}
                      value={member.role}
                      onChange={(event) => void change(member.subject, event.target.value as Role)}
                    >
                      {ROLES.map((role) => (
                        <option key={role}>{role}</option>
                      ))}
                    </select>
                  ) : (
                    member.role
                  )}
                </td>
                {canManage && (
                  <td>
                    <RowButton label="Remove" target={member.subject} danger onClick={() => void remove(member.subject)} />
                  </td>
                )}
              </>
            )}
          </DataTable>
        )}
      </LoadState>
      {adding && (
        <AddMemberDialog
          projectId={projectId}
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            members.reload();
          }}
        />
      )}
    </section>
  );
}

function AddMemberDialog({ projectId, onClose, onAdded }: { projectId: string; onClose: () => void; onAdded: () => void }) {
  const { session } = useSession();
  const [subject, setSubject] = useState('');
  const [role, setRole] = useState<Role>('reader');
  const { busy, error, submit } = useSubmit(
    () => session.client.POST('/v1/projects/{projectId}/members', { params: { path: { projectId } }, body: { subject, role } }),
    () => onAdded(),
  );
  const { byField, rest } = fieldErrors(error, ['subject', 'role']);
  return (
    <FormDialog title="Add member" submitLabel="Add member" busy={busy} error={rest} submit={submit} onClose={onClose}>
      <Field
        label="Email (user or service account)"
        type="email"
        value={subject}
        onChange={(event) => setSubject(event.target.value)}
        error={byField.subject}
        autoFocus
        required
      />
      <div className="field">
        <label htmlFor="member-role">Role</label>
        <select id="member-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      </div>
    </FormDialog>
  );
}
