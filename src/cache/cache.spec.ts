import { SwitchableTransport } from '../../test/support/switchable-transport';
import { CacheOptions } from './cache';
import { Caches } from './caches.service';
import { InvalidationTransport, LocalTransport } from './invalidation-transport';

interface Token {
  id: string;
  instanceId: string;
  projectId: string;
}

const TOKEN_TAGS: CacheOptions<Token | null>['tags'] = {
  'instance-token': 'key',
  instance: (token) => token.instanceId,
  project: (token) => token.projectId,
};

/** A load whose first read settles when the test says so; later reads answer `then` at once. */
function deferred<V>(then?: V) {
  let settle!: (value: V) => void;
  const promise = new Promise<V>((resolve) => (settle = resolve));
  const load = jest.fn(() => promise);
  if (then !== undefined) load.mockReturnValueOnce(promise).mockImplementation(async () => then);
  return { load, settle };
}

const token = (id: string, instanceId = 'i1', projectId = 'p1'): Token => ({ id, instanceId, projectId });

describe('a cache defined by Caches', () => {
  let loads: string[];
  /** A load that records what it returned. */
  const loader =
    <V>(value: V) =>
    async () => {
      loads.push(String(value));
      return value;
    };

  beforeEach(() => {
    loads = [];
  });
  afterEach(() => jest.useRealTimers());

  function tokensCache(transport: InvalidationTransport = new LocalTransport(), options: Partial<CacheOptions<Token | null>> = {}) {
    const caches = new Caches(transport);
    return { caches, cache: caches.define<Token | null>('tokens', { maxEntries: 100, ttlMs: 30_000, tags: TOKEN_TAGS, ...options }) };
  }

  it('serves a loaded value from memory, synchronously through peek, until its key is invalidated', async () => {
    const { caches, cache } = tokensCache();
    expect(cache.peek('t1')).toBeUndefined();
    expect(await cache.get('t1', loader(token('t1')))).toEqual(token('t1'));
    expect(cache.peek('t1')).toEqual(token('t1'));
    expect(await cache.get('t1', loader(token('t1', 'changed')))).toEqual(token('t1'));
    await caches.invalidate('instance-token', 't1');
    expect(cache.peek('t1')).toBeUndefined();
    expect(await cache.get('t1', loader(token('t1', 'i2')))).toEqual(token('t1', 'i2'));
    expect(loads).toHaveLength(2);
  });

  it('drops the entries tagged with a change and no others; changes of kinds it has no tag for do nothing', async () => {
    const { caches, cache } = tokensCache();
    await cache.get('a', loader(token('a', 'i1', 'p1')));
    await cache.get('b', loader(token('b', 'i2', 'p1')));
    await cache.get('c', loader(token('c', 'i3', 'p2')));
    await caches.invalidate('user', 'i1');
    await caches.invalidate('instance', 'i2');
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')].map((t) => t?.id)).toEqual(['a', undefined, 'c']);
    await caches.invalidate('project', 'p1');
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')].map((t) => t?.id)).toEqual([undefined, undefined, 'c']);
  });

  it("drops everything on a change of a kind tagged 'all'", async () => {
    const caches = new Caches(new LocalTransport());
    const cache = caches.define<string>('registry', { maxEntries: 10, ttlMs: 30_000, tags: { model: 'all' } });
    await cache.get('x', loader('X'));
    await cache.get('y', loader('Y'));
    await caches.invalidate('model', 'some model');
    expect([cache.peek('x'), cache.peek('y')]).toEqual([undefined, undefined]);
  });

  it('caches null ("no such row"), which tags do not reach but its key does; never stores undefined', async () => {
    const { caches, cache } = tokensCache();
    expect(await cache.get('gone', loader(null))).toBeNull();
    expect(cache.peek('gone')).toBeNull();
    await caches.invalidate('project', 'p1');
    expect(cache.peek('gone')).toBeNull();
    await caches.invalidate('instance-token', 'gone');
    expect(cache.peek('gone')).toBeUndefined();
    expect(await cache.get('miss', loader(undefined))).toBeUndefined();
    expect(await cache.get('miss', loader(token('miss')))).toEqual(token('miss'));
  });

  it('shares one load among concurrent misses of a key (single flight)', async () => {
    const { cache } = tokensCache();
    const { load, settle } = deferred<Token>();
    const answers = Promise.all([cache.get('t', load), cache.get('t', load), cache.get('t', load)]);
    settle(token('t'));
    expect(await answers).toEqual([token('t'), token('t'), token('t')]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reads again when a change lands while a load runs, and a request after the change does not join the old load', async () => {
    const { caches, cache } = tokensCache();
    const straddling = deferred<Token>(token('t', 'after'));
    const first = cache.get('t', straddling.load);
    await caches.invalidate('instance-token', 't'); // the change commits while the row is on its way back
    const fresh = jest.fn(async () => token('t', 'after'));
    const second = cache.get('t', fresh);
    expect(fresh).toHaveBeenCalledTimes(1);
    straddling.settle(token('t', 'before'));
    expect(await second).toEqual(token('t', 'after'));
    expect(await first).toEqual(token('t', 'after'));
    expect(straddling.load).toHaveBeenCalledTimes(2);
    expect(cache.peek('t')).toEqual(token('t', 'after'));
  });

  it('answers but does not keep a load that changes keep straddling', async () => {
    const { caches, cache } = tokensCache();
    let reads = 0;
    const value = await cache.get('t', async () => {
      reads++;
      await caches.invalidate('project', 'p1');
      return token('t');
    });
    expect(value).toEqual(token('t'));
    expect(reads).toBe(3);
    expect(cache.peek('t')).toBeUndefined();
  });

  it('reads through and keeps nothing while the transport may be missing changes', async () => {
    const transport = new SwitchableTransport();
    const { cache } = tokensCache(transport);
    await cache.get('a', loader(token('a')));
    transport.delivering = false;
    expect(cache.peek('a')).toBeUndefined();
    expect(await cache.get('a', loader(token('a', 'live')))).toEqual(token('a', 'live'));
    expect(await cache.get('b', loader(token('b')))).toEqual(token('b'));
    transport.delivering = true;
    expect(cache.peek('b')).toBeUndefined();
    expect(loads).toHaveLength(3);
  });

  it('applies changes from other replicas, broadcasts its own, and empties every cache on reset', async () => {
    const transport = new SwitchableTransport();
    const { caches, cache } = tokensCache(transport);
    const other = caches.define<string>('other', { maxEntries: 10, ttlMs: 30_000, tags: { user: 'key' } });
    await cache.get('a', loader(token('a')));
    await cache.get('b', loader(token('b', 'i2')));
    await other.get('u', loader('U'));
    transport.receive({ kind: 'instance', id: 'i1' });
    expect(cache.peek('a')).toBeUndefined();
    expect(transport.broadcasts).toEqual([]);
    await caches.invalidate('user', 'nobody');
    expect(transport.broadcasts).toEqual([{ kind: 'user', id: 'nobody' }]);
    transport.reset();
    expect([cache.peek('b'), other.peek('u')]).toEqual([undefined, undefined]);
  });

  it('reads a load in flight again after a reset', async () => {
    const transport = new SwitchableTransport();
    const { cache } = tokensCache(transport);
    const slow = deferred<Token>(token('t', 'reread'));
    const pending = cache.get('t', slow.load);
    transport.reset();
    slow.settle(token('t'));
    expect(await pending).toEqual(token('t', 'reread'));
    expect(slow.load).toHaveBeenCalledTimes(2);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const caches = new Caches(new LocalTransport());
    const cache = caches.define<string>('small', { maxEntries: 3, ttlMs: 30_000, tags: {} });
    for (const key of ['a', 'b', 'c', 'd']) await cache.get(key, loader(key));
    expect(['a', 'b', 'c', 'd'].map((key) => cache.peek(key))).toEqual([undefined, 'b', 'c', 'd']);
  });

  it('reloads after the TTL, which may depend on the value', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { cache } = tokensCache(new LocalTransport(), { ttlMs: (value) => (value ? 30_000 : 10_000) });
    await cache.get('known', loader(token('known')));
    await cache.get('unknown', loader(null));
    jest.setSystemTime(1_000_000 + 10_000);
    expect(cache.peek('unknown')).toBeUndefined();
    expect(cache.peek('known')).toEqual(token('known'));
    jest.setSystemTime(1_000_000 + 30_000);
    expect(cache.peek('known')).toBeUndefined();
  });

  it('refuses a second cache of the same name', () => {
    const caches = new Caches(new LocalTransport());
    caches.define('twice', { maxEntries: 1, ttlMs: 1, tags: {} });
    expect(() => caches.define('twice', { maxEntries: 1, ttlMs: 1, tags: {} })).toThrow('a cache named twice exists already');
  });
});
