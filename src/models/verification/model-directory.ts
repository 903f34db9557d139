import { Injectable } from '@nestjs/common';
import { Cache, CacheOptions } from '../../cache/cache';
import { Caches } from '../../cache/caches.service';
import { UseState, useStateOf } from '../../token-uses/token-use-queue';
import { ModelStage } from '../model-paths';
import { ModelDirectoryRepository } from './model-directory.repository';

export interface VersionEntry {
  version: string;
  stage: ModelStage;
  draft: boolean;
  createdAt: Date;
}

export interface ModelEntry {
  id: number;
  name: string;
  prefixId: number;
  prefixKey: string;
  prefix: string;
  versions: VersionEntry[];
}

export interface ExternalTokenEntry {
  id: string;
  prefixId: number;
  modelId: number | null;
  tokenHash: string;
  expiresAt: Date;
  revokedAt: Date | null;
  /** Updated in place as the token is used (ModelTokenVerifier). */
  uses: UseState;
}

interface PrefixIndex {
  byPath: Map<string, { id: number }>;
  maxDepth: number;
}

/** `allowed`: the user may use models of the prefix; `denied`: no grant; `inactive`: no such active user. */
export type UserAccess = 'allowed' | 'denied' | 'inactive';

const CACHE = { ttlMs: 30_000, maxEntries: 50_000 };
/** Any registry write may change any entry (a new prefix or model replaces a cached "no such row"). */
const REGISTRY_TAGS = { model: 'all', 'model-prefix': 'all' } satisfies CacheOptions<unknown>['tags'];
const INACTIVE = { access: 'inactive' as const, tokensValidAfter: 0 };

/**
 * The read side of the model registry on the hot paths (model URLs, session and external token
 * checks): read through ModelDirectoryRepository, cached in memory. Every registry write
 * invalidates `model` or `model-prefix`, which empties these caches; a `user` change drops access
 * decisions and an `external-token` change drops that token. "No such row" is cached too (as `null`).
 */
@Injectable()
export class ModelDirectory {
  private readonly prefixIndex: Cache<PrefixIndex>;
  private readonly models: Cache<ModelEntry | null>;
  private readonly modelIds: Cache<number | null>;
  private readonly access: Cache<{ access: UserAccess; tokensValidAfter: number }>;
  private readonly externalTokens: Cache<ExternalTokenEntry | null>;

  constructor(
    private readonly registry: ModelDirectoryRepository,
    caches: Caches,
  ) {
    this.prefixIndex = caches.define('model-prefix-index', { ...CACHE, maxEntries: 1, tags: REGISTRY_TAGS });
    this.models = caches.define('models', { ...CACHE, tags: REGISTRY_TAGS });
    this.modelIds = caches.define('model-ids-by-name', { ...CACHE, tags: REGISTRY_TAGS });
    this.access = caches.define('model-access', { ...CACHE, tags: { ...REGISTRY_TAGS, user: 'all' } });
    this.externalTokens = caches.define('external-tokens', { ...CACHE, tags: { ...REGISTRY_TAGS, 'external-token': 'key' } });
  }

  /** The model with the longest registered prefix matching `segments`, then its name; the rest of the path is returned. */
  async resolvePath(segments: string[]): Promise<{ model: ModelEntry; rest: string[] } | undefined> {
    const { byPath, maxDepth } = await this.prefixes();
    for (let depth = Math.min(maxDepth, segments.length - 1); depth >= 1; depth--) {
      const prefix = byPath.get(segments.slice(0, depth).join('/'));
      if (!prefix) continue;
      const model = await this.modelByName(prefix.id, segments[depth]);
      return model ? { model, rest: segments.slice(depth + 1) } : undefined;
    }
    return undefined;
  }

  async model(id: number): Promise<ModelEntry | undefined> {
    return (await this.models.get(String(id), () => this.loadModel(id))) ?? undefined;
  }

  /**
   * Whether a user may use the models of a prefix: a grant of any kind, or platform admin. With
   * `tokenIssuedAtMs`, a token issued before the user's `tokensValidAfter` cutoff (password reset,
   * disable) makes the user `inactive`.
   */
  async userAccess(userId: string, prefixId: number, tokenIssuedAtMs = Infinity): Promise<UserAccess> {
    const entry = await this.access.get(`${userId}:${prefixId}`, async () => {
      const user = await this.registry.findUserGrant(userId, prefixId);
      if (!user || user.disabledAt !== null) return INACTIVE;
      const access: UserAccess = user.isAdmin || user.grantId !== null ? 'allowed' : 'denied';
      return { access, tokensValidAfter: user.tokensValidAfter?.getTime() ?? 0 };
    });
    return tokenIssuedAtMs < entry.tokensValidAfter ? 'inactive' : entry.access;
  }

  async externalToken(id: string): Promise<ExternalTokenEntry | undefined> {
    const entry = await this.externalTokens.get(id, async () => {
      const row = await this.registry.findExternalToken(id);
      if (!row) return null;
      const { lastUsedAt, addresses, ...token } = row;
      return { ...token, uses: useStateOf({ lastUsedAt, addresses }) };
    });
    return entry ?? undefined;
  }

  private async prefixes(): Promise<PrefixIndex> {
    const index = await this.prefixIndex.get('all', async () => {
      const rows = await this.registry.listPrefixes();
      return {
        byPath: new Map(rows.map((row) => [row.prefix, { id: row.id }])),
        maxDepth: Math.max(0, ...rows.map((row) => row.prefix.split('/').length)),
      };
    });
    return index;
  }

  private async modelByName(prefixId: number, name: string): Promise<ModelEntry | undefined> {
    const id = await this.modelIds.get(`${prefixId}/${name}`, async () => (await this.registry.findModelId(prefixId, name)) ?? null);
    return id == null ? undefined : this.model(id);
  }

  private async loadModel(id: number): Promise<ModelEntry | null> {
    return (await this.registry.findModel(id)) ?? null;
  }
}
