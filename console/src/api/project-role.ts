import { useApi, useSession } from './use-api';

export type Role = 'reader' | 'editor' | 'owner';
const RANK: Record<Role, number> = { reader: 1, editor: 2, owner: 3 };

/**
 * What the signed-in person may do in a project, so pages offer only that (the server still checks
 * every request): platform admins may do anything, others have their membership's role.
 */
export function useProjectRole(projectId: string): { role?: Role; can: (needed: Role) => boolean } {
  const { session, user } = useSession();
  const members = useApi(() => session.client.GET('/v1/projects/{projectId}/members', { params: { path: { projectId } } }), [projectId]);
  const member = members.data?.items.find((item) => item.subjectType === 'user' && item.subject.toLowerCase() === user.email.toLowerCase());
  const role: Role | undefined = user.is_admin ? 'owner' : (member?.role as Role | undefined);
  return { role, can: (needed) => Boolean(role && RANK[role] >= RANK[needed]) };
}
