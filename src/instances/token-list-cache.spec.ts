import { RenderedList, TokenListCache } from './token-list-cache';

const rendered = (text: string, staleAt = Infinity): RenderedList => ({ body: Buffer.from(text), staleAt });

/** A load that settles when the test says so. */
function deferred() {
  let settle!: (value: RenderedList) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<RenderedList>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  return { load: jest.fn(() => promise), settle, fail };
}

describe('TokenListCache', () => {
  it('answers from memory while the revision matches and loads again when it changes', async () => {
    const cache = new TokenListCache();
    let loads = 0;
    const load = jest.fn(async () => rendered(`v${++loads}`));
    expect((await cache.get('i', 1, load)).toString()).toBe('v1');
    expect((await cache.get('i', 1, load)).toString()).toBe('v1');
    expect(load).toHaveBeenCalledTimes(1);
    expect((await cache.get('i', 2, load)).toString()).toBe('v2');
    expect((await cache.get('other', 2, load)).toString()).toBe('v3');
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('loads again once the entry is stale (a listed token expired)', async () => {
    const cache = new TokenListCache();
    const load = jest.fn(async () => rendered('x', Date.now() + 20));
    await cache.get('i', 1, load);
    await cache.get('i', 1, load);
    expect(load).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 25));
    await cache.get('i', 1, load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('shares one load among concurrent misses of one revision', async () => {
    const cache = new TokenListCache();
    const { load, settle } = deferred();
    const answers = Promise.all([cache.get('i', 1, load), cache.get('i', 1, load), cache.get('i', 1, load)]);
    settle(rendered('shared'));
    expect((await answers).map(String)).toEqual(['shared', 'shared', 'shared']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('keeps the newer revision when an older load finishes last', async () => {
    const cache = new TokenListCache();
    const older = deferred();
    const newer = deferred();
    const first = cache.get('i', 1, older.load);
    const second = cache.get('i', 2, newer.load);
    newer.settle(rendered('revision 2'));
    expect((await second).toString()).toBe('revision 2');
    older.settle(rendered('revision 1'));
    expect((await first).toString()).toBe('revision 1');
    const again = jest.fn(async () => rendered('reloaded'));
    expect((await cache.get('i', 2, again)).toString()).toBe('revision 2');
    expect(again).not.toHaveBeenCalled();
  });

  it('keeps nothing from a failed load', async () => {
    const cache = new TokenListCache();
    const failing = deferred();
    const answer = cache.get('i', 1, failing.load);
    failing.fail(new Error('database gone'));
    await expect(answer).rejects.toThrow('database gone');
    const load = jest.fn(async () => rendered('ok'));
    expect((await cache.get('i', 1, load)).toString()).toBe('ok');
    expect(load).toHaveBeenCalledTimes(1);
  });
});
