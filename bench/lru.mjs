// Micro-benchmark: the hand-written LruCache of src/common/lru-cache.ts (as of the commit given, by
// default the one before the cache module adopted lru-cache) against the lru-cache package, on
// what the verify path does: a hit on a 64-hex-char key in a cache sized for 100,000 tokens, a
// miss that stores (with eviction once full), and a delete by predicate (an invalidation).
//   node bench/lru.mjs [commit]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { transformSync } from '@swc/core';

const commit = process.argv[2] ?? 'becc429';
const source = execFileSync('git', ['show', `${commit}:src/common/lru-cache.ts`], { encoding: 'utf8' });
const { code } = transformSync(source, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } });
const { LruCache } = await import(`data:text/javascript,${encodeURIComponent(code)}`);

const CAPACITY = 100_000;
const keys = Array.from({ length: 200_000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex'));
const value = (i) => ({ token: { tokenId: `t${i}`, instanceId: `i${i % 100}`, projectId: 'p' }, lastUseQueuedAt: 0 });

const implementations = {
  'hand-written LruCache': () => {
    const cache = new LruCache(CAPACITY, 60_000);
    return { get: (k) => cache.get(k), set: (k, v) => cache.set(k, v), deleteWhere: (p) => cache.deleteWhere(p) };
  },
  'lru-cache': () => {
    const cache = new LRUCache({ max: CAPACITY, ttl: 60_000, ttlAutopurge: false });
    return {
      get: (k) => cache.get(k),
      set: (k, v) => cache.set(k, v),
      deleteWhere: (p) => {
        const doomed = [];
        cache.forEach((v, k) => {
          if (p(v)) doomed.push(k);
        });
        for (const k of doomed) cache.delete(k);
      },
    };
  },
  'lru-cache, one options object': () => {
    const cache = new LRUCache({ max: CAPACITY, ttl: 60_000, ttlAutopurge: false });
    const options = {};
    return { get: (k) => cache.get(k, options), set: (k, v) => cache.set(k, v), deleteWhere: () => {} };
  },
};

function time(label, fn, ops) {
  const started = process.hrtime.bigint();
  fn();
  const ns = Number(process.hrtime.bigint() - started);
  return { label, nsPerOp: ns / ops };
}

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of Object.entries(implementations)) {
    const cache = make();
    for (let i = 0; i < CAPACITY; i++) cache.set(keys[i], value(i));
    const rows = [];
    // Hits: a working set of 1,000 tokens, as a gateway serving many clients sees.
    const HITS = 2_000_000;
    let found = 0;
    rows.push(
      time(
        'hit (1,000 hot keys)',
        () => {
          for (let i = 0; i < HITS; i++) if (cache.get(keys[(i * 7919) % 1000])) found++;
        },
        HITS,
      ),
    );
    // Hits spread over the whole cache: recency updates on every lookup.
    rows.push(
      time(
        'hit (100,000 keys)',
        () => {
          for (let i = 0; i < HITS; i++) if (cache.get(keys[(i * 7919) % CAPACITY])) found++;
        },
        HITS,
      ),
    );
    // Misses that store, each evicting the least recently used entry.
    const SETS = 200_000;
    rows.push(
      time(
        'miss + set (evicting)',
        () => {
          for (let i = 0; i < SETS; i++) {
            const k = keys[(i + CAPACITY) % keys.length];
            if (!cache.get(k)) cache.set(k, value(i));
          }
        },
        SETS,
      ),
    );
    // Invalidation: a scan of the full cache dropping one instance's entries.
    const SCANS = Number(process.env.SCANS ?? 20);
    rows.push(
      time(
        'delete by predicate (full scan)',
        () => {
          for (let i = 0; i < SCANS; i++) cache.deleteWhere((v) => v.token.instanceId === `i${i}`);
        },
        SCANS,
      ),
    );
    if (found === 0) throw new Error('no hits: the benchmark measured nothing');
    for (const row of rows) (results[row.label] ??= {})[name] = [...((results[row.label] ?? {})[name] ?? []), row.nsPerOp];
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`Node ${process.version}, ${ROUNDS} rounds, median ns/op (min-max)`);
for (const [label, byName] of Object.entries(results)) {
  const cells = Object.entries(byName).map(
    ([name, values]) => `${name}: ${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`,
  );
  console.log(`${label.padEnd(32)} ${cells.join('   ')}`);
}
