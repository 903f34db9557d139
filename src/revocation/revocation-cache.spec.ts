import { SwitchableBus } from '../../test/support/switchable-bus';
import { LocalRevocationBus } from './revocation-bus';
import { RevocationCache } from './revocation-cache';

describe('RevocationCache', () => {
  const options = { ttlMs: 30_000, maxEntries: 3 };
  let loads: string[];
  const loader = (value: string | undefined) => async () => {
    loads.push(value ?? 'miss');
    return value;
  };

  beforeEach(() => {
    loads = [];
  });
  afterEach(() => jest.useRealTimers());

  it('serves a loaded value from memory until it is deleted', async () => {
    const cache = new RevocationCache<string>(new LocalRevocationBus(), options);
    expect(await cache.get('a', loader('A1'))).toBe('A1');
    expect(await cache.get('a', loader('A2'))).toBe('A1');
    cache.delete('a');
    expect(await cache.get('a', loader('A3'))).toBe('A3');
    expect(loads).toEqual(['A1', 'A3']);
  });

  it('never stores a miss', async () => {
    const cache = new RevocationCache<string>(new LocalRevocationBus(), options);
    expect(await cache.get('a', loader(undefined))).toBeUndefined();
    expect(await cache.get('a', loader('A'))).toBe('A');
  });

  it('does not store a value whose load raced with an eviction', async () => {
    const cache = new RevocationCache<string>(new LocalRevocationBus(), options);
    let finishLoad!: (value: string) => void;
    const pending = cache.get('a', () => new Promise<string>((resolve) => (finishLoad = resolve)));
    cache.delete('a'); // the revoke lands while the stale row is on its way back
    finishLoad('stale');
    expect(await pending).toBe('stale');
    expect(await cache.get('a', loader('fresh'))).toBe('fresh');
  });

  it('deletes by predicate and clears everything', async () => {
    const cache = new RevocationCache<{ project: string }>(new LocalRevocationBus(), options);
    await cache.get('t1', async () => ({ project: 'p1' }));
    await cache.get('t2', async () => ({ project: 'p2' }));
    cache.deleteWhere((value) => value.project === 'p1');
    expect(await cache.get('t1', async () => ({ project: 'reloaded' }))).toEqual({ project: 'reloaded' });
    expect(await cache.get('t2', async () => ({ project: 'reloaded' }))).toEqual({ project: 'p2' });
    cache.clear();
    expect(await cache.get('t2', async () => ({ project: 'reloaded' }))).toEqual({ project: 'reloaded' });
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new RevocationCache<string>(new LocalRevocationBus(), options);
    for (const key of ['a', 'b', 'c']) await cache.get(key, loader(key));
    await cache.get('a', loader('a2')); // touch a: b is now the oldest
    await cache.get('d', loader('d'));
    loads = [];
    for (const key of ['a', 'c', 'd', 'b']) await cache.get(key, loader(`${key}-reloaded`));
    expect(loads).toEqual(['b-reloaded']);
  });

  it('reloads after the TTL', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new RevocationCache<string>(new LocalRevocationBus(), options);
    await cache.get('a', loader('A1'));
    jest.setSystemTime(1_000_000 + options.ttlMs - 1);
    expect(await cache.get('a', loader('A2'))).toBe('A1');
    jest.setSystemTime(1_000_000 + options.ttlMs);
    expect(await cache.get('a', loader('A3'))).toBe('A3');
  });

  it('reads through and keeps nothing while the bus may be missing events', async () => {
    const bus = new SwitchableBus();
    const cache = new RevocationCache<string>(bus, options);
    await cache.get('a', loader('cached'));
    bus.delivering = false;
    expect(await cache.get('a', loader('live1'))).toBe('live1');
    expect(await cache.get('b', loader('live2'))).toBe('live2');
    bus.delivering = true;
    expect(await cache.get('b', loader('after'))).toBe('after');
  });
});
