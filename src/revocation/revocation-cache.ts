import { LruCache } from '../common/lru-cache';
import { RevocationBus } from './revocation-bus';

export interface RevocationCacheOptions {
  /** Upper bound on staleness should an event never arrive (e.g. a row edited by hand). */
  ttlMs: number;
  maxEntries: number;
}

/**
 * A small TTL + LRU read-through cache for rows the hot path looks up on every request, kept
 * correct by the RevocationBus: owners evict on its events and clear it on `reset`.
 * A load that yields `undefined` is not stored (the next lookup asks again); an owner that wants
 * "no such row" cached loads `null`.
 */
export class RevocationCache<V> {
  private readonly entries: LruCache<string, V>;
  /** Bumped by every eviction, so a load that raced with one does not store what it read. */
  private epoch = 0;

  constructor(
    private readonly bus: RevocationBus,
    options: RevocationCacheOptions,
  ) {
    this.entries = new LruCache(options.maxEntries, options.ttlMs);
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.bus.delivering) return load();
    const now = Date.now();
    const cached = this.entries.get(key, now);
    if (cached !== undefined) return cached;
    const epoch = this.epoch;
    const value = await load();
    if (value !== undefined && epoch === this.epoch && this.bus.delivering) this.entries.set(key, value, now);
    return value;
  }

  delete(key: string): void {
    this.epoch++;
    this.entries.delete(key);
  }

  deleteWhere(predicate: (value: V) => boolean): void {
    this.epoch++;
    this.entries.deleteWhere(predicate);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }
}
