import { Inject, Injectable } from '@nestjs/common';
import { ListPage, Sort, TimeFilter } from '../../common/list-query';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ADDRESSES_NEWEST_FIRST, expiryWhere, keysetOrder, keysetWhere, lastUseWhere, LifecycleState, lifecycleWhere } from '../../database/list-where';
import { PrismaService } from '../../database/prisma.service';
import { clientOf, Transaction } from '../../database/transactions';
import { ExternalTokenSortField } from './dto/external-token.dto';

/** What the list filters ask for; undefined fields do not filter. */
export interface ExternalTokenFilter extends TimeFilter {
  prefixIds?: number[];
  modelId?: number;
  states?: LifecycleState[];
  search?: string;
}

const SORT_FIELDS: Record<ExternalTokenSortField, 'createdAt' | 'expiresAt' | 'name'> = { created_at: 'createdAt', expires_at: 'expiresAt', name: 'name' };

export interface NewExternalToken {
  id: string;
  prefixId: number;
  modelId: number | null;
  name: string;
  tokenHash: string;
  claims: string | null;
  expiresAt: Date;
  createdBy: string;
  /** Set when the token is made by rotating another. */
  rotatedFrom?: string;
}

@Injectable()
export class ExternalTokensRepository {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  create(token: NewExternalToken, tx?: Transaction) {
    return clientOf(this.prisma, tx).externalApiToken.create({ data: token });
  }

  /**
   * Points a live token at its successor and shortens it to `expiresAt`, unless it was revoked or
   * rotated meanwhile (false then): of two concurrent rotations only one writes.
   */
  async markRotated(id: string, successorId: string, expiresAt: Date, tx: Transaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).externalApiToken.updateMany({
      where: { id, rotatedTo: null, revokedAt: null },
      data: { rotatedTo: successorId, expiresAt },
    });
    return count === 1;
  }

  /** Tokens of the given prefixes (undefined: every prefix), optionally of one model. */
  list(filter: { prefixIds?: number[]; modelId?: number }) {
    return this.prisma.externalApiToken.findMany({
      where: { prefixId: filter.prefixIds ? { in: filter.prefixIds } : undefined, modelId: filter.modelId },
      orderBy: { createdAt: 'asc' },
      include: ADDRESSES_NEWEST_FIRST,
    });
  }

  /**
   * One page of the filtered list (keyset pagination in the page's order) and whether more follow.
   * The name search runs in the database as LIKE, where SQLite cannot escape `_` through Prisma: a
   * superset comes back and the exact, case-insensitive match is applied to it here. The page's
   * rows before that decide `more` and the next position, so pages stay exact, if some shorter.
   */
  async listPage(filter: ExternalTokenFilter, page: ListPage<ExternalTokenSortField>, now: Date) {
    const sort: Sort<string> = { field: SORT_FIELDS[page.sort.field], direction: page.sort.direction };
    const rows = await this.prisma.externalApiToken.findMany({
      where: {
        prefixId: filter.prefixIds ? { in: filter.prefixIds } : undefined,
        modelId: filter.modelId,
        AND: [
          filter.states ? lifecycleWhere(filter.states, 'expiresAt', now) : {},
          expiryWhere('expiresAt', filter.expiresBefore, filter.expiresAfter),
          lastUseWhere(filter.lastUsedBefore, filter.lastUsedAfter, filter.neverUsed),
          filter.search ? { name: this.nameContains(filter.search) } : {},
          page.after ? keysetWhere(sort, page.after) : {},
        ],
      },
      orderBy: keysetOrder(sort),
      take: page.limit,
      include: ADDRESSES_NEWEST_FIRST,
    });
    const search = filter.search?.toLowerCase();
    return { rows, matching: (row: (typeof rows)[number]) => search === undefined || row.name.toLowerCase().includes(search) };
  }

  /** SQLite's LIKE ignores ASCII case and has no escape character here; PostgreSQL's LIKE escapes with a backslash. */
  private nameContains(search: string) {
    if (this.config.database.provider !== 'postgresql') return { contains: search };
    return { contains: search.replace(/[\\%_]/g, (char) => `\\${char}`), mode: 'insensitive' } as unknown as { contains: string };
  }

  findById(id: string) {
    return this.prisma.externalApiToken.findUnique({ where: { id }, include: ADDRESSES_NEWEST_FIRST });
  }

  /** Marks the token revoked unless it already is; false when it was. */
  async revoke(id: string): Promise<boolean> {
    const { count } = await this.prisma.externalApiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return count === 1;
  }

  /** Revokes the live tokens whose content hashes to one of `hashes`, in the caller's transaction; returns those it revoked. */
  async revokeLeaked(hashes: string[], tx: Transaction) {
    const db = clientOf(this.prisma, tx);
    const now = new Date();
    const live = await db.externalApiToken.findMany({
      where: { tokenHash: { in: hashes }, revokedAt: null, expiresAt: { gt: now } },
      select: { id: true, name: true, prefixId: true, modelId: true },
    });
    const revoked: typeof live = [];
    for (const token of live) {
      const { count } = await db.externalApiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: now } });
      if (count === 1) revoked.push(token);
    }
    return revoked;
  }
}
