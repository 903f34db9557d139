import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('replaces a value without growing and deletes by predicate', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1);
    cache.set('a', 10);
    cache.set('b', 2);
    expect(cache.size).toBe(2);
    cache.deleteWhere((value) => value > 5);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
  });
});

describe('LruCache with a time to live', () => {
  it('forgets entries once they expire and tells a cached null from a miss', () => {
    const cache = new LruCache<string, number | null>(10, 1_000);
    cache.set('a', null, 0);
    cache.set('b', 2, 500);
    expect(cache.lookup('a', 999)?.value).toBeNull();
    expect(cache.lookup('missing', 999)).toBeUndefined();
    expect(cache.lookup('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.get('b', 1_499)).toBe(2);
    expect(cache.get('b', 1_500)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe('LruCache bounded by weight', () => {
  it('evicts the oldest entries until the summed weight fits, and never keeps a value heavier than the capacity', () => {
    const cache = new LruCache<string, string>(10, Infinity, (value) => value.length);
    cache.set('a', 'xxxx');
    cache.set('b', 'xxxx');
    cache.set('c', 'xxxx'); // 12 > 10: a goes
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 'xxxx', 'xxxx']);
    cache.set('b', 'xx'); // replacing frees the old weight
    cache.set('d', 'xxxx');
    expect(cache.size).toBe(3);
    cache.delete('c');
    cache.set('e', 'xxxx');
    expect(cache.size).toBe(3);
    cache.set('huge', 'x'.repeat(11));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size).toBe(3); // the others stay
    cache.set('f', 'x'.repeat(10));
    expect(cache.get('f')).toBe('x'.repeat(10));
    expect(cache.size).toBe(1);
  });
});

describe('LruCache recency', () => {
  it('keeps reads of the newer half in place and still evicts the least recently read of the older half', () => {
    const cache = new LruCache<string, number>(4);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) cache.set(key, i);
    cache.get('d'); // newest already: stays
    cache.get('a'); // oldest: moves to the back (b c d a)
    cache.get('b'); // now oldest: moves (c d a b)
    cache.set('e', 4); // c goes
    expect(cache.get('c')).toBeUndefined();
    cache.set('f', 5); // d goes: its read did not move it
    expect(cache.get('d')).toBeUndefined();
    expect(['a', 'b', 'e', 'f'].map((key) => cache.get(key))).toEqual([0, 1, 4, 5]);
  });
});
