import { useApi, useSession } from '../../api/use-api';

/** The way back from a page inside a project: Projects › <project name>. */
export function useProjectCrumbs(projectId: string): { to: string; label: string }[] {
  const { session } = useSession();
  const project = useApi(() => session.client.GET('/v1/projects/{projectId}', { params: { path: { projectId } } }), [projectId]);
  return [
    { to: '/', label: 'Projects' },
    { to: `/projects/${projectId}`, label: project.data?.name ?? 'Project' },
  ];
}
