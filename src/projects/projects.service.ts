import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Principal } from '../common/principal';
import { RevocationBus } from '../revocation/revocation-bus';
import { MemberDto, ProjectDto } from './dto/project.dto';
import { ProjectAccessService } from './project-access.service';
import { ProjectRole } from './project-role';
import { ProjectsRepository } from './projects.repository';

type MemberRow = Awaited<ReturnType<ProjectsRepository['listMembers']>>[number];

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly access: ProjectAccessService,
    private readonly revocations: RevocationBus,
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
    await this.revocations.publish({ kind: 'project', id: projectId });
  }

  async listMembers(caller: Principal, projectId: string): Promise<MemberDto[]> {
    await this.access.require(caller, projectId, 'reader');
    return (await this.projects.listMembers(projectId)).map(toMember);
  }

  async addMember(caller: Principal, projectId: string, subject: string, role: ProjectRole): Promise<MemberDto> {
    await this.access.require(caller, projectId, 'owner');
    const ref = await this.subjectRef(subject);
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

  private async subjectRef(subject: string): Promise<{ userId?: string; serviceAccountId?: string }> {
    const email = subject.trim().toLowerCase();
    const user = await this.projects.findUserByEmail(email);
    if (user) return { userId: user.id };
    const account = await this.projects.findServiceAccountByEmail(email);
    if (account) return { serviceAccountId: account.id };
    throw AppError.notFound(`no user or service account ${subject}`);
  }
}

function toProject(row: { id: string; name: string; createdAt: Date; updatedAt: Date }): ProjectDto {
  return { id: row.id, name: row.name, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

function toMember(row: MemberRow): MemberDto {
  return row.user
    ? { subject: row.user.email, subjectType: 'user', role: row.role }
    : { subject: row.serviceAccount!.email, subjectType: 'service-account', role: row.role };
}
