import { RevocationBus } from './revocation-bus';

export interface RevocationCacheOptions {
  /** Upper bound on staleness should an event never arrive (e.g. a row edited by hand). */
  ttlMs: number;
  maxEntries: number;
}

/**
 * A small TTL + LRU read-through cache for rows the hot path looks up on every request, kept
 * correct by the RevocationBus: owners evict on its events, and it clears itself on `reset`.
 * Only positive lookups are stored; a miss always goes to the database.
 */
export class RevocationCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  /** Bumped by every eviction, so a load that raced with one does not store what it read. */
  private epoch = 0;

  constructor(
    private readonly bus: RevocationBus,
    private readonly options: RevocationCacheOptions,
  ) {}

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.bus.delivering) return load();
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.value;
    }
    const epoch = this.epoch;
    const value = await load();
    if (value !== undefined && epoch === this.epoch && this.bus.delivering) this.store(key, value, now);
    return value;
  }

  delete(key: string): void {
    this.epoch++;
    this.entries.delete(key);
  }

  deleteWhere(predicate: (value: V) => boolean): void {
    this.epoch++;
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }

  private store(key: string, value: V, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: now + this.options.ttlMs });
  }
}
