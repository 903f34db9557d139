import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { ListPage, TimeFilter } from '../common/list-query';
import { ADDRESSES_NEWEST_FIRST, expiryWhere, keysetOrder, keysetWhere, lastUseWhere, LifecycleState, lifecycleWhere } from '../database/list-where';
import { PrismaService } from '../database/prisma.service';
import { clientOf, Transaction } from '../database/transactions';
import { AccessTokenSortField } from './dto/access-token.dto';
import { ProjectRole } from '../projects/project-role';

/** What the filters of an access-token list ask for; undefined fields do not filter. */
export interface AccessTokenFilter extends TimeFilter {
  states?: LifecycleState[];
}

export interface NewAccessToken {
  id: string;
  tokenHash: string;
  validUntil: Date;
  /** Set when the token is made by rotating another. */
  rotatedFrom?: string;
}

@Injectable()
export class ServiceAccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates the account and its membership in its project in one transaction. */
  create(projectId: string, email: string, role: ProjectRole) {
    const id = newId();
    return this.prisma.serviceAccount.create({
      data: { id, projectId, email, memberships: { create: { id: newId(), projectId, role } } },
    });
  }

  listByProject(projectId: string) {
    return this.prisma.serviceAccount.findMany({ where: { projectId }, orderBy: { createdAt: 'asc' } });
  }

  findByEmail(projectId: string, email: string) {
    return this.prisma.serviceAccount.findFirst({ where: { projectId, email } });
  }

  /**
   * Deletes the account with its tokens and memberships unless it is the last owner of a project.
   * Returns the ids of the tokens that were still live, so caches can drop them.
   */
  async delete(projectId: string, accountId: string): Promise<{ liveTokenIds: string[] } | 'last-owner'> {
    return this.prisma.$transaction(async (tx) => {
      const owned = await tx.projectMember.findMany({ where: { serviceAccountId: accountId, role: 'owner' }, select: { projectId: true } });
      for (const { projectId: ownedProject } of owned) {
        if ((await tx.projectMember.count({ where: { projectId: ownedProject, role: 'owner' } })) <= 1) return 'last-owner';
      }
      const live = await tx.serviceAccountToken.findMany({
        where: { serviceAccountId: accountId, revokedAt: null, validUntil: { gt: new Date() } },
        select: { id: true },
      });
      await tx.serviceAccount.delete({ where: { id: accountId, projectId } });
      return { liveTokenIds: live.map((token) => token.id) };
    });
  }

  createToken(accountId: string, token: NewAccessToken, tx?: Transaction) {
    return clientOf(this.prisma, tx).serviceAccountToken.create({ data: { ...token, serviceAccountId: accountId } });
  }

  findToken(projectId: string, accountId: string, id: string) {
    return this.prisma.serviceAccountToken.findFirst({
      where: { id, serviceAccountId: accountId, serviceAccount: { projectId } },
      include: ADDRESSES_NEWEST_FIRST,
    });
  }

  /**
   * Points a live token at its successor and shortens it to `validUntil`, unless it was revoked or
   * rotated meanwhile (false then): of two concurrent rotations only one writes.
   */
  async markRotated(projectId: string, accountId: string, id: string, successorId: string, validUntil: Date, tx: Transaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).serviceAccountToken.updateMany({
      where: { id, serviceAccountId: accountId, serviceAccount: { projectId }, rotatedTo: null, revokedAt: null },
      data: { rotatedTo: successorId, validUntil },
    });
    return count === 1;
  }

  listTokens(projectId: string, accountId: string) {
    return this.prisma.serviceAccountToken.findMany({
      where: { serviceAccountId: accountId, serviceAccount: { projectId } },
      orderBy: { createdAt: 'asc' },
      include: ADDRESSES_NEWEST_FIRST,
    });
  }

  /** One page of the account's tokens: keyset pagination in the page's order. */
  listTokensPage(projectId: string, accountId: string, filter: AccessTokenFilter, page: ListPage<AccessTokenSortField>, now: Date) {
    return this.prisma.serviceAccountToken.findMany({
      where: {
        serviceAccountId: accountId,
        serviceAccount: { projectId },
        AND: [
          filter.states ? lifecycleWhere(filter.states, 'validUntil', now) : {},
          expiryWhere('validUntil', filter.expiresBefore, filter.expiresAfter),
          lastUseWhere(filter.lastUsedBefore, filter.lastUsedAfter, filter.neverUsed),
          page.after ? keysetWhere(page.sort, page.after) : {},
        ],
      },
      orderBy: keysetOrder(page.sort),
      take: page.limit,
      include: ADDRESSES_NEWEST_FIRST,
    });
  }

  /** Revokes a token of the account; says why when nothing was revoked. */
  async revokeToken(projectId: string, accountId: string, id: string): Promise<'revoked' | 'already-revoked' | 'not-found'> {
    const scope = { id, serviceAccountId: accountId, serviceAccount: { projectId } };
    const { count } = await this.prisma.serviceAccountToken.updateMany({ where: { ...scope, revokedAt: null }, data: { revokedAt: new Date() } });
    if (count === 1) return 'revoked';
    return (await this.prisma.serviceAccountToken.count({ where: scope })) ? 'already-revoked' : 'not-found';
  }

  /**
   * Revokes the live tokens whose content hashes to one of `hashes`, in the caller's transaction;
   * returns those it revoked, with their account.
   */
  async revokeLeaked(hashes: string[], tx: Transaction) {
    const db = clientOf(this.prisma, tx);
    const now = new Date();
    const live = await db.serviceAccountToken.findMany({
      where: { tokenHash: { in: hashes }, revokedAt: null, validUntil: { gt: now } },
      select: { id: true, serviceAccount: { select: { id: true, email: true, projectId: true } } },
    });
    const revoked: typeof live = [];
    for (const token of live) {
      const { count } = await db.serviceAccountToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: now } });
      if (count === 1) revoked.push(token);
    }
    return revoked;
  }

  /** A token that is neither revoked nor expired, with its account and recorded client addresses. */
  findLiveToken(id: string) {
    return this.prisma.serviceAccountToken.findFirst({
      where: { id, revokedAt: null, validUntil: { gt: new Date() } },
      include: { serviceAccount: true, addresses: true },
    });
  }
}
