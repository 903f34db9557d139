import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Principal } from '../common/principal';
import { Cache } from '../cache/cache';
import { Caches } from '../cache/caches.service';
import { ProjectRole, roleAtLeast } from './project-role';
import { ProjectsRepository } from './projects.repository';

type ProjectWithRole = NonNullable<Awaited<ReturnType<ProjectsRepository['findWithRole']>>>;

/**
 * The one place project authorization is decided: platform admins may do anything; others need a
 * membership with at least the given role. Unknown project → 404; known but not allowed → 403.
 *
 * Every project-scoped request asks this first, so the project and the caller's role in it are
 * cached, and dropped (here at once, on other replicas within milliseconds) when the project is
 * deleted or renamed or its memberships change: those writes publish `project` or `project-access`.
 */
@Injectable()
export class ProjectAccessService {
  private readonly roles: Cache<ProjectWithRole>;

  constructor(
    private readonly projects: ProjectsRepository,
    private readonly caches: Caches,
  ) {
    this.roles = caches.define('project-roles', {
      ttlMs: 30_000,
      maxEntries: 10_000,
      tags: { project: ({ project }) => project.id, 'project-access': ({ project }) => project.id },
    });
  }

  async require(principal: Principal, projectId: string, needed: ProjectRole) {
    const found = await this.roles.get(`${principal.kind}:${principal.id}:${projectId}`, () => this.projects.findWithRole(projectId, principal));
    if (!found) throw AppError.notFound('project not found');
    const { project, role } = found;
    if (principal.kind === 'user' && principal.isAdmin) return project;
    if (!role || !roleAtLeast(role, needed)) {
      throw AppError.forbidden(`this action needs the ${needed} role in project ${projectId}`);
    }
    return project;
  }

  /** Call after renaming a project or changing its memberships. */
  changed(projectId: string): Promise<void> {
    return this.caches.invalidate('project-access', projectId);
  }
}
