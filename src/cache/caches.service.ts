import { Injectable } from '@nestjs/common';
import { Cache, CacheOptions } from './cache';
import { Change, ChangeKind } from './changes';
import { InvalidationTransport } from './invalidation-transport';
import { RevisionedCache, RevisionedCacheOptions } from './revisioned-cache';

/**
 * The one place that caches and invalidates. Readers define a named cache and say how to load
 * (`cache.get(key, load)`); writers say what changed (`invalidate('instance-token', id)`) once
 * their write has committed. A change is applied to this replica's caches before `invalidate`
 * resolves, so it is effective here when the writing request answers, and then sent to the other
 * replicas (PostgreSQL LISTEN/NOTIFY, see postgres-transport.ts), which apply it within
 * milliseconds. When the transport may have missed changes, every cache is emptied.
 */
@Injectable()
export class Caches {
  private readonly caches = new Map<string, Pick<Cache<unknown>, 'changed' | 'reset'>>();

  constructor(private readonly transport: InvalidationTransport) {
    transport.deliverTo({ changed: (change) => this.apply(change), reset: () => this.reset() });
  }

  define<V>(name: string, options: CacheOptions<V>): Cache<V> {
    return this.register(new Cache(name, this.transport, options));
  }

  defineRevisioned<S>(name: string, options: RevisionedCacheOptions<S>): RevisionedCache<S> {
    return this.register(new RevisionedCache(name, this.transport, options));
  }

  /** Drops what `kind` `id` invalidates, here at once and on the other replicas once this resolves. */
  async invalidate(kind: ChangeKind, id: string): Promise<void> {
    const change: Change = { kind, id };
    this.apply(change);
    await this.transport.broadcast(change);
  }

  private register<C extends Pick<Cache<unknown>, 'name' | 'changed' | 'reset'>>(cache: C): C {
    if (this.caches.has(cache.name)) throw new Error(`a cache named ${cache.name} exists already`);
    this.caches.set(cache.name, cache);
    return cache;
  }

  private apply(change: Change): void {
    for (const cache of this.caches.values()) cache.changed(change);
  }

  private reset(): void {
    for (const cache of this.caches.values()) cache.reset();
  }
}
