import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Principal } from '../common/principal';
import { ProjectRole, roleAtLeast } from './project-role';
import { ProjectsRepository } from './projects.repository';

/**
 * The one place project authorization is decided: platform admins may do anything; others need a
 * membership with at least the given role. Unknown project → 404; known but not allowed → 403.
 */
@Injectable()
export class ProjectAccessService {
  constructor(private readonly projects: ProjectsRepository) {}

  async require(principal: Principal, projectId: string, needed: ProjectRole) {
    const found = await this.projects.findWithRole(projectId, principal);
    if (!found) throw AppError.notFound('project not found');
    const { project, role } = found;
    if (principal.kind === 'user' && principal.isAdmin) return project;
    if (!role || !roleAtLeast(role, needed)) {
      throw AppError.forbidden(`this action needs the ${needed} role in project ${projectId}`);
    }
    return project;
  }
}
