import { SwitchableTransport } from '../../test/support/switchable-transport';
import { Caches } from './caches.service';
import { InvalidationTransport, LocalTransport } from './invalidation-transport';
import { Rendered } from './revisioned-cache';

interface ListScope {
  projectId: string;
  instanceId: string;
}

const rendered = (text: string, staleAt = Infinity): Rendered => ({ body: Buffer.from(text), staleAt });
const scope = (instanceId = 'i', projectId = 'p'): ListScope => ({ projectId, instanceId });

/** An instance's token list cache, as InstanceTokensService defines it. */
function listCache(transport: InvalidationTransport = new LocalTransport()) {
  const caches = new Caches(transport);
  const lists = caches.defineRevisioned<ListScope>('lists', {
    budgetBytes: 1024 * 1024,
    ttlMs: 30_000,
    tags: { 'instance-tokens': (list) => list.instanceId, instance: (list) => list.instanceId, project: (list) => list.projectId },
  });
  return {
    caches,
    get: (list: ListScope, readRevision: () => Promise<number>, load: () => Promise<Rendered>) =>
      lists.get(`${list.projectId}/${list.instanceId}`, list, readRevision, load),
  };
}

/** A load that settles when the test says so. */
function deferred() {
  let settle!: (value: Rendered) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<Rendered>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  return { load: jest.fn(() => promise), settle, fail };
}

/** A revision reader that counts its reads. */
function revisionOf(value: number) {
  return jest.fn(async () => value);
}

describe('RevisionedCache answering by revision (a single-process transport, as on SQLite)', () => {
  it('answers from memory while the revision matches and loads again when it changes', async () => {
    const cache = listCache();
    let loads = 0;
    const load = jest.fn(async () => rendered(`v${++loads}`));
    const first = revisionOf(1);
    expect((await cache.get(scope(), first, load)).toString()).toBe('v1');
    expect((await cache.get(scope(), first, load)).toString()).toBe('v1');
    expect(first).toHaveBeenCalledTimes(2); // another process may have written: asked every time
    expect(load).toHaveBeenCalledTimes(1);
    expect((await cache.get(scope(), revisionOf(2), load)).toString()).toBe('v2');
    expect((await cache.get(scope('other'), revisionOf(2), load)).toString()).toBe('v3');
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('loads again once the entry is stale (a listed token expired)', async () => {
    const cache = listCache();
    const load = jest.fn(async () => rendered('x', Date.now() + 20));
    await cache.get(scope(), revisionOf(1), load);
    await cache.get(scope(), revisionOf(1), load);
    expect(load).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 25));
    await cache.get(scope(), revisionOf(1), load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('shares one load among concurrent misses of one revision', async () => {
    const cache = listCache();
    const { load, settle } = deferred();
    const answers = Promise.all([1, 2, 3].map(() => cache.get(scope(), revisionOf(1), load)));
    await new Promise((resolve) => setImmediate(resolve));
    settle(rendered('shared'));
    expect((await answers).map(String)).toEqual(['shared', 'shared', 'shared']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('keeps the newer revision when an older load finishes last', async () => {
    const cache = listCache();
    const older = deferred();
    const newer = deferred();
    const first = cache.get(scope(), revisionOf(1), older.load);
    const second = cache.get(scope(), revisionOf(2), newer.load);
    await new Promise((resolve) => setImmediate(resolve));
    newer.settle(rendered('revision 2'));
    expect((await second).toString()).toBe('revision 2');
    older.settle(rendered('revision 1'));
    expect((await first).toString()).toBe('revision 1');
    const again = jest.fn(async () => rendered('reloaded'));
    expect((await cache.get(scope(), revisionOf(2), again)).toString()).toBe('revision 2');
    expect(again).not.toHaveBeenCalled();
  });

  it('keeps nothing from a failed load, and passes on a failed revision read', async () => {
    const cache = listCache();
    const failing = deferred();
    const answer = cache.get(scope(), revisionOf(1), failing.load);
    await new Promise((resolve) => setImmediate(resolve));
    failing.fail(new Error('database gone'));
    await expect(answer).rejects.toThrow('database gone');
    const load = jest.fn(async () => rendered('ok'));
    expect((await cache.get(scope(), revisionOf(1), load)).toString()).toBe('ok');
    expect(load).toHaveBeenCalledTimes(1);
    const gone = jest.fn(async () => Promise.reject(new Error('instance not found')));
    await expect(cache.get(scope(), gone, load)).rejects.toThrow('instance not found');
  });
});

describe('RevisionedCache answering by announcement (a transport spanning replicas, as on PostgreSQL)', () => {
  it('serves a cached list without reading the revision until a change of that instance is announced', async () => {
    const transport = new SwitchableTransport();
    const cache = listCache(transport);
    let loads = 0;
    const load = jest.fn(async () => rendered(`v${++loads}`));
    const revision = revisionOf(1);
    expect((await cache.get(scope(), revision, load)).toString()).toBe('v1');
    expect((await cache.get(scope(), revision, load)).toString()).toBe('v1');
    expect(revision).toHaveBeenCalledTimes(1);

    await cache.caches.invalidate('instance-tokens', 'other');
    transport.receive({ kind: 'user', id: 'i' });
    expect((await cache.get(scope(), revision, load)).toString()).toBe('v1');
    expect(revision).toHaveBeenCalledTimes(1);

    for (const [event, reloaded] of [
      [{ kind: 'instance-tokens', id: 'i' }, 'v2'],
      [{ kind: 'instance', id: 'i' }, 'v3'],
      [{ kind: 'project', id: 'p' }, 'v4'],
    ] as const) {
      transport.receive(event);
      expect((await cache.get(scope(), revisionOf(1), load)).toString()).toBe(reloaded);
    }
    transport.reset();
    expect((await cache.get(scope(), revisionOf(1), load)).toString()).toBe('v5');
  });

  it('reads the revision on every request while the transport is not delivering', async () => {
    const transport = new SwitchableTransport();
    const cache = listCache(transport);
    const load = jest.fn(async () => rendered('x'));
    await cache.get(scope(), revisionOf(1), load);
    transport.delivering = false;
    const revision = revisionOf(1);
    await cache.get(scope(), revision, load);
    await cache.get(scope(), revision, load);
    expect(revision).toHaveBeenCalledTimes(2);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not trust a list loaded while a change of it was announced, nor one loaded while the transport was down', async () => {
    const transport = new SwitchableTransport();
    const cache = listCache(transport);
    const racing = deferred();
    const answer = cache.get(scope(), revisionOf(1), racing.load);
    await new Promise((resolve) => setImmediate(resolve));
    await cache.caches.invalidate('instance-tokens', 'i'); // the write may have missed the rows read
    racing.settle(rendered('maybe old'));
    expect((await answer).toString()).toBe('maybe old');
    const revision = revisionOf(2);
    const load = jest.fn(async () => rendered('current'));
    expect((await cache.get(scope(), revision, load)).toString()).toBe('current');
    expect(revision).toHaveBeenCalledTimes(1);

    transport.delivering = false;
    const other = jest.fn(async () => rendered('loaded while down'));
    await cache.get(scope('j'), revisionOf(1), other);
    transport.delivering = true;
    const asked = revisionOf(1);
    expect((await cache.get(scope('j'), asked, other)).toString()).toBe('loaded while down');
    expect(asked).toHaveBeenCalledTimes(1); // answered by revision, not trusted blindly
  });
});
