import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Principal } from '../common/principal';
import { Caches } from '../cache/caches.service';
import { MemberDto, ProjectDto } from './dto/project.dto';
import { ProjectAccessService } from './project-access.service';
import { ProjectRole } from './project-role';
import { SERVICE_ACCOUNT_EMAIL_DOMAIN } from '../service-accounts/service-accounts.service';
import { MemberSubject, ProjectsRepository } from './projects.repository';

type MemberRow = Awaited<ReturnType<ProjectsRepository['listMembers']>>[number];

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly access: ProjectAccessService,
    private readonly caches: Caches,
  ) {}

  async create(caller: Principal, name: string): Promise<ProjectDto> {
    if (caller.kind !== 'user') throw AppError.forbidden('service accounts cannot create projects');
    return toProject(await this.projects.create(name, caller.id));
  }

  async list(caller: Principal): Promise<ProjectDto[]> {
    const rows = caller.kind === 'user' && caller.isAdmin ? await this.projects.listAll() : await this.projects.listForPrincipal(caller);
    return rows.map(toProject);
  }

  async get(caller: Principal, projectId: string): Promise<ProjectDto> {
    return toProject(await this.access.require(caller, projectId, 'reader'));
  }

  async rename(caller: Principal, projectId: string, name: string): Promise<ProjectDto> {
    await this.access.require(caller, projectId, 'owner');
    const renamed = await this.projects.rename(projectId, name);
    await this.access.changed(projectId);
    return toProject(renamed);
  }

  async delete(caller: Principal, projectId: string): Promise<void> {
    await this.access.require(caller, projectId, 'owner');
    await this.projects.delete(projectId);
    // The delete cascades to service accounts, instances and their tokens, which replicas may cache.
    await this.caches.invalidate('project', projectId);
  }

  async listMembers(caller: Principal, projectId: string): Promise<MemberDto[]> {
    await this.access.require(caller, projectId, 'reader');
    return (await this.projects.listMembers(projectId)).map(toMember);
  }

  async addMember(caller: Principal, projectId: string, subject: string, role: ProjectRole): Promise<MemberDto> {
    await this.access.require(caller, projectId, 'owner');
    const ref = await this.newMemberRef(caller, projectId, subject);
    if (await this.projects.findMember(projectId, ref)) throw AppError.conflict(`${subject} is already a member; change the role instead`);
    const member = await this.projects.addMember(projectId, ref, role);
    await this.access.changed(projectId);
    return toMember(member);
  }

  async changeMember(caller: Principal, projectId: string, subject: string, role: ProjectRole | null): Promise<MemberDto | void> {
    await this.access.require(caller, projectId, 'owner');
    const member = await this.projects.findMember(projectId, await this.subjectRef(subject));
    if (!member) throw AppError.notFound(`${subject} is not a member of this project`);
    if ((await this.projects.changeMember(member.id, projectId, role)) === 'last-owner') {
      throw AppError.conflict('a project keeps at least one owner');
    }
    await this.access.changed(projectId);
    if (role) return toMember({ ...member, role });
  }

  /**
   * Who `subject` (a valid email) names when it is added. An email without an account becomes a
   * pending membership that its account takes over when an admin creates it, answered exactly like
   * a user's: adding a member never tells whether an email has an account. A service account joins
   * its own project, or another one when the caller also owns the service account's project; any
   * other service-account address is refused with one answer, whether or not it exists.
   */
  private async newMemberRef(caller: Principal, projectId: string, subject: string): Promise<MemberSubject> {
    const email = subject.trim().toLowerCase();
    if (email.endsWith(`@${SERVICE_ACCOUNT_EMAIL_DOMAIN}`)) {
      const account = await this.projects.findServiceAccountByEmail(email);
      if (account && (account.projectId === projectId || (await this.owns(caller, account.projectId)))) return { serviceAccountId: account.id };
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        'foreign_service_account',
        `${subject} is not a service account of this project or of another project you own: a service account belongs to its project, and only that project's owners can make it a member elsewhere`,
      );
    }
    const user = await this.projects.findUserByEmail(email);
    return user ? { userId: user.id } : { pendingEmail: email };
  }

  /** Who an existing membership's `subject` is; a pending email is looked up as such. */
  private async subjectRef(subject: string): Promise<MemberSubject> {
    const email = subject.trim().toLowerCase();
    const user = await this.projects.findUserByEmail(email);
    if (user) return { userId: user.id };
    const account = await this.projects.findServiceAccountByEmail(email);
    if (account) return { serviceAccountId: account.id };
    return { pendingEmail: email };
  }

  private async owns(caller: Principal, projectId: string): Promise<boolean> {
    try {
      await this.access.require(caller, projectId, 'owner');
      return true;
    } catch (error) {
      if (error instanceof AppError) return false;
      throw error;
    }
  }
}

function toProject(row: { id: string; name: string; createdAt: Date; updatedAt: Date }): ProjectDto {
  return { id: row.id, name: row.name, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

/** A pending membership reads like a user's: the member list must not tell which emails have accounts. */
function toMember(row: MemberRow): MemberDto {
  if (row.serviceAccount) return { subject: row.serviceAccount.email, subjectType: 'service-account', role: row.role };
  return { subject: row.user?.email ?? row.pendingEmail!, subjectType: 'user', role: row.role };
}
