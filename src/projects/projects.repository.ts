import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { Principal } from '../common/principal';
import { PrismaService } from '../database/prisma.service';
import { ProjectRole } from './project-role';

const memberInclude = { user: { select: { email: true } }, serviceAccount: { select: { email: true } } } as const;

/** Who holds a membership: a user, a service account, or an email that has no account yet. */
export type MemberSubject = { userId: string } | { serviceAccountId: string } | { pendingEmail: string };

@Injectable()
export class ProjectsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * The project and the principal's role in it (undefined when not a member). Prisma like the rest
   * of this repository: ProjectAccessService caches the answer, so it runs once per principal and
   * project per cache lifetime, not on every request.
   */
  async findWithRole(projectId: string, principal: Principal) {
    const member = principal.kind === 'user' ? { userId: principal.id } : { serviceAccountId: principal.id };
    const row = await this.prisma.project.findUnique({ where: { id: projectId }, include: { members: { where: member, select: { role: true }, take: 1 } } });
    if (!row) return undefined;
    const { members, ...project } = row;
    return { project, role: members[0]?.role };
  }

  /** Creates the project with its creator as owner, in one transaction. */
  create(name: string, ownerUserId: string) {
    const id = newId();
    return this.prisma.project.create({
      data: { id, name, members: { create: { id: newId(), userId: ownerUserId, role: 'owner' } } },
    });
  }

  listAll() {
    return this.prisma.project.findMany({ orderBy: { createdAt: 'asc' } });
  }

  listForPrincipal(principal: Principal) {
    const member = principal.kind === 'user' ? { userId: principal.id } : { serviceAccountId: principal.id };
    return this.prisma.project.findMany({ where: { members: { some: member } }, orderBy: { createdAt: 'asc' } });
  }

  rename(id: string, name: string) {
    return this.prisma.project.update({ where: { id }, data: { name } });
  }

  delete(id: string) {
    return this.prisma.project.delete({ where: { id } });
  }

  listMembers(projectId: string) {
    return this.prisma.projectMember.findMany({ where: { projectId }, include: memberInclude, orderBy: { createdAt: 'asc' } });
  }

  findMember(projectId: string, subject: MemberSubject) {
    return this.prisma.projectMember.findFirst({ where: { projectId, ...subject }, include: memberInclude });
  }

  addMember(projectId: string, subject: MemberSubject, role: ProjectRole) {
    return this.prisma.projectMember.create({ data: { id: newId(), projectId, ...subject, role }, include: memberInclude });
  }

  /**
   * Changes or removes a membership unless that would leave the project without an owner; the
   * check and the write share one transaction so two concurrent demotions cannot both pass.
   */
  async changeMember(memberId: string, projectId: string, role: ProjectRole | null): Promise<'ok' | 'last-owner'> {
    return this.prisma.$transaction(async (tx) => {
      const member = await tx.projectMember.findUniqueOrThrow({ where: { id: memberId } });
      // Owners still pending an account cannot administer the project, so they do not count.
      if (member.role === 'owner' && member.pendingEmail === null && role !== 'owner') {
        const owners = await tx.projectMember.count({ where: { projectId, role: 'owner', pendingEmail: null } });
        if (owners <= 1) return 'last-owner';
      }
      if (role === null) await tx.projectMember.delete({ where: { id: memberId } });
      else await tx.projectMember.update({ where: { id: memberId }, data: { role } });
      return 'ok';
    });
  }

  findUserByEmail(email: string) {
    return this.prisma.user.findUnique({ where: { email }, select: { id: true } });
  }

  findServiceAccountByEmail(email: string) {
    return this.prisma.serviceAccount.findUnique({ where: { email }, select: { id: true, projectId: true } });
  }
}
