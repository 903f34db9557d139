/**
 * A bounded map that forgets the least recently used entry first (a Map keeps insertion order);
 * with a `ttlMs`, entries also expire. The store under every cache of the hot paths.
 * Kept over the lru-cache package: its hit on the verify path is slower (bench/README.md, "LRU").
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number; weight: number; placedAt: number }>();
  private weight = 0;
  /** Counts insertions and moves to the back: an entry placed fewer than size/2 ago is in the newer half. */
  private placements = 0;

  /**
   * `capacity` bounds the summed weight of the entries: their count, unless `weigh` gives values
   * a size (bytes, for values whose sizes differ by orders of magnitude).
   */
  constructor(
    private readonly capacity: number,
    private readonly ttlMs = Infinity,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The live entry, wrapped so that a cached `null` is told apart from a miss. */
  lookup(key: K, now = Date.now()): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      this.weight -= entry.weight;
      return undefined;
    }
    // Moving an entry to the back costs a delete and an insert, several times the read itself on
    // the verify path. Entries in the newer half are far from eviction and stay where they are,
    // so the order is least recently used to within half the cache.
    if (this.placements - entry.placedAt >= this.entries.size / 2) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      entry.placedAt = ++this.placements;
    }
    return entry;
  }

  get(key: K, now = Date.now()): V | undefined {
    return this.lookup(key, now)?.value;
  }

  /** `ttlMs` overrides the cache's for this entry. */
  set(key: K, value: V, now = Date.now(), ttlMs = this.ttlMs): void {
    this.delete(key);
    const weight = this.weigh(value);
    // Not kept, rather than pushing out everything else.
    if (weight > this.capacity) return;
    this.entries.set(key, { value, expiresAt: now + ttlMs, weight, placedAt: ++this.placements });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.weight <= this.capacity) break;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }

  deleteWhere(predicate: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.delete(key);
  }
}
