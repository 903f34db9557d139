import { Change, ChangeKind } from './changes';
import { LruCache } from './lru-cache';

/**
 * How a change of one kind finds the entries it drops: `'key'` when the change's id is the entry's
 * key, `'all'` when any change of that kind drops every entry, or a function giving the entry's id
 * for that kind (its tag, e.g. the instance of a token: `instance:<id>`). Entries that cache "no
 * such row" (`null`) carry no tags; only `'key'` and `'all'` drop them.
 */
export type Tag<V> = 'key' | 'all' | ((value: NonNullable<V>) => string | undefined);

export interface CacheOptions<V> {
  maxEntries: number;
  /** Upper bound on staleness should a change never be announced (e.g. a row edited by hand). */
  ttlMs: number | ((value: V) => number);
  /** Which kinds of change drop which entries; changes of other kinds never touch this cache. */
  tags: Partial<Record<ChangeKind, Tag<V>>>;
}

/** What a cache needs to know of the transport: whether other replicas' changes reach it now. */
export interface DeliveryState {
  readonly delivering: boolean;
}

/** A load that straddles a change is read again this many times at most, then answered but not kept. */
const LOAD_ATTEMPTS = 3;

/**
 * One named, bounded, read-through cache, made by `Caches.define`. A load yielding `undefined` is
 * a miss that is not stored; `null` is stored (a cached "no such row").
 *
 * - Concurrent misses of one key share one load (single flight).
 * - A change that reaches the cache while a load runs (the epoch moved) makes that load read again:
 *   the row it read may predate the change. Loads in flight are also forgotten, so a request that
 *   starts after a change never waits on a read from before it.
 * - While the transport is not delivering, every read goes to the database and nothing is kept.
 */
export class Cache<V> {
  private readonly entries: LruCache<string, V>;
  private readonly loads = new Map<string, Promise<V | undefined>>();
  private epoch = 0;

  constructor(
    readonly name: string,
    private readonly transport: DeliveryState,
    private readonly options: CacheOptions<V>,
  ) {
    this.entries = new LruCache(options.maxEntries, typeof options.ttlMs === 'number' ? options.ttlMs : Infinity);
  }

  /** The cached value, synchronously, or undefined on a miss (and always while the transport is down). */
  peek(key: string): V | undefined {
    if (!this.transport.delivering) return undefined;
    // lookup, not get: a cached null ("no such row") is a hit.
    return this.entries.lookup(key)?.value;
  }

  get(key: string, load: () => Promise<V>): Promise<V>;
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.peek(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.loads.get(key);
    if (!pending) {
      const started = this.loadAndKeep(key, load).finally(() => {
        if (this.loads.get(key) === started) this.loads.delete(key);
      });
      this.loads.set(key, started);
      pending = started;
    }
    return pending;
  }

  /** Applies a change (from Caches): drops the entries tagged with it. */
  changed(change: Change): void {
    const tag = this.options.tags[change.kind];
    if (!tag) return;
    this.epoch++;
    this.loads.clear();
    if (tag === 'all') this.entries.clear();
    else if (tag === 'key') this.entries.delete(change.id);
    else this.entries.deleteWhere((value) => value != null && tag(value) === change.id);
  }

  /** Drops everything: changes may have been missed. */
  reset(): void {
    this.epoch++;
    this.loads.clear();
    this.entries.clear();
  }

  private async loadAndKeep(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    for (let attempt = 1; ; attempt++) {
      const epoch = this.epoch;
      const value = await load();
      if (epoch === this.epoch) {
        if (value !== undefined && this.transport.delivering) this.keep(key, value);
        return value;
      }
      if (attempt === LOAD_ATTEMPTS) return value;
    }
  }

  private keep(key: string, value: V): void {
    const { ttlMs } = this.options;
    if (typeof ttlMs === 'number') this.entries.set(key, value);
    else this.entries.set(key, value, Date.now(), ttlMs(value));
  }
}
