import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service';

/** Prefixes with the caller's own grant (if any), which decides what the caller may do. */
const withGrantOf = (userId: string) => ({ grants: { where: { userId } } });

@Injectable()
export class ModelPrefixesRepository {
  constructor(private readonly prisma: PrismaService) {}

  listAll(userId: string) {
    return this.prisma.modelPrefix.findMany({ include: withGrantOf(userId), orderBy: { key: 'asc' } });
  }

  listGrantedTo(userId: string) {
    return this.prisma.modelPrefix.findMany({ where: { grants: { some: { userId } } }, include: withGrantOf(userId), orderBy: { key: 'asc' } });
  }

  findByKey(key: string, userId: string) {
    return this.prisma.modelPrefix.findUnique({ where: { key }, include: withGrantOf(userId) });
  }

  findById(id: number, userId: string) {
    return this.prisma.modelPrefix.findUnique({ where: { id }, include: withGrantOf(userId) });
  }

  findManyByIds(ids: number[]) {
    return this.prisma.modelPrefix.findMany({ where: { id: { in: ids } }, select: { id: true, key: true, prefix: true } });
  }

  /** Ids of the prefixes a user administers. */
  async administeredBy(userId: string): Promise<number[]> {
    const grants = await this.prisma.modelPrefixGrant.findMany({ where: { userId, admin: true }, select: { prefixId: true } });
    return grants.map((grant) => grant.prefixId);
  }

  findByPrefix(prefix: string) {
    return this.prisma.modelPrefix.findUnique({ where: { prefix } });
  }

  modelExists(prefixId: number, name: string) {
    return this.prisma.model.count({ where: { prefixId, name } }).then((count) => count > 0);
  }

  create(data: { key: string; prefix: string; description: string | null }) {
    return this.prisma.modelPrefix.create({ data });
  }

  update(id: number, data: { prefix?: string; description?: string | null }, userId: string) {
    return this.prisma.modelPrefix.update({ where: { id }, data, include: withGrantOf(userId) });
  }

  /** Deletes the prefix with its grants, models and versions (cascade) and its external API tokens. */
  async delete(id: number): Promise<void> {
    await this.prisma.$transaction([this.prisma.externalApiToken.deleteMany({ where: { prefixId: id } }), this.prisma.modelPrefix.delete({ where: { id } })]);
  }

  listGrants(prefixId: number) {
    return this.prisma.modelPrefixGrant.findMany({ where: { prefixId }, include: { user: { select: { email: true } } }, orderBy: { createdAt: 'asc' } });
  }

  findGrant(prefixId: number, userId: string) {
    return this.prisma.modelPrefixGrant.findUnique({ where: { prefixId_userId: { prefixId, userId } }, include: { user: { select: { email: true } } } });
  }

  createGrant(prefixId: number, userId: string, rights: { canDeploy: boolean; admin: boolean }) {
    return this.prisma.modelPrefixGrant.create({ data: { prefixId, userId, ...rights }, include: { user: { select: { email: true } } } });
  }

  updateGrant(prefixId: number, userId: string, rights: { canDeploy?: boolean; admin?: boolean }) {
    return this.prisma.modelPrefixGrant.update({
      where: { prefixId_userId: { prefixId, userId } },
      data: rights,
      include: { user: { select: { email: true } } },
    });
  }

  async deleteGrant(prefixId: number, userId: string): Promise<boolean> {
    const { count } = await this.prisma.modelPrefixGrant.deleteMany({ where: { prefixId, userId } });
    return count > 0;
  }

  findUserByEmail(email: string) {
    return this.prisma.user.findUnique({ where: { email }, select: { id: true } });
  }
}
