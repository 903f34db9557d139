import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '../../database/prisma.service';

const modelInclude = { prefix: { select: { id: true, key: true, prefix: true } }, versions: true } as const;

export interface ModelFilter {
  prefix?: string;
  prefixKey?: string;
  name?: string;
  /** Only models under prefixes this user holds a grant on; undefined: all models. */
  grantedTo?: string;
}

@Injectable()
export class ModelsRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(filter: ModelFilter) {
    const where: Prisma.ModelWhereInput = {
      name: filter.name,
      prefix: {
        prefix: filter.prefix,
        key: filter.prefixKey,
        ...(filter.grantedTo ? { grants: { some: { userId: filter.grantedTo } } } : {}),
      },
    };
    return this.prisma.model.findMany({ where, include: modelInclude, orderBy: { id: 'asc' } });
  }

  findById(id: number) {
    return this.prisma.model.findUnique({ where: { id }, include: modelInclude });
  }

  findByName(prefixId: number, name: string) {
    return this.prisma.model.findUnique({ where: { prefixId_name: { prefixId, name } }, select: { id: true } });
  }

  /** True when a prefix with this exact path exists: a model there would be shadowed by it. */
  prefixExists(prefix: string) {
    return this.prisma.modelPrefix.count({ where: { prefix } }).then((count) => count > 0);
  }

  create(data: { prefixId: number; name: string; description: string | null }) {
    return this.prisma.model.create({ data, include: modelInclude });
  }

  update(id: number, data: { name?: string; description?: string | null }) {
    return this.prisma.model.update({ where: { id }, data, include: modelInclude });
  }

  /** Deletes the model with its versions (cascade) and the external API tokens scoped to it. */
  async delete(id: number): Promise<void> {
    await this.prisma.$transaction([this.prisma.externalApiToken.deleteMany({ where: { modelId: id } }), this.prisma.model.delete({ where: { id } })]);
  }

  findVersion(modelId: number, version: string) {
    return this.prisma.modelVersion.findUnique({ where: { modelId_version: { modelId, version } } });
  }

  createVersion(modelId: number, data: { version: string; stage: string; draft: boolean }) {
    return this.prisma.modelVersion.create({ data: { modelId, ...data } });
  }

  updateVersion(modelId: number, version: string, data: { stage?: string; draft?: boolean }) {
    return this.prisma.modelVersion.update({ where: { modelId_version: { modelId, version } }, data });
  }

  async deleteVersion(modelId: number, version: string): Promise<boolean> {
    const { count } = await this.prisma.modelVersion.deleteMany({ where: { modelId, version } });
    return count > 0;
  }
}
