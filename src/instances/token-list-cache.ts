import { LruCache } from '../common/lru-cache';

/** About 30 lists of 1,000 tokens (~140-250 KB each). */
const BUDGET_BYTES = 8 * 1024 * 1024;
/** Rows edited in the database behind the API's back (no revision bump) show within this, as elsewhere. */
const RECHECK_MS = 30_000;

/** A serialized list response. */
export interface RenderedList {
  body: Buffer;
  /** When the first token listed as active expires: from then on `body` shows a wrong state. */
  staleAt: number;
}

interface Entry extends RenderedList {
  revision: number;
}

/**
 * Serialized token-list responses by instance. The caller reads the instance's `tokensRevision`
 * from the database on every request (every token write bumps it in its own transaction, on any
 * replica) and an entry answers only for that revision, so no write is ever missed.
 *
 * A load reads the rows after its caller read `revision`, so its body shows that revision or a
 * later one: at worst it is tagged older than it is (the next request then reloads), never newer.
 */
export class TokenListCache {
  private readonly entries = new LruCache<string, Entry>(BUDGET_BYTES, RECHECK_MS, (entry) => entry.body.length);
  /** Concurrent misses for one instance share one load. */
  private readonly loads = new Map<string, { revision: number; entry: Promise<Entry> }>();

  async get(key: string, revision: number, load: () => Promise<RenderedList>): Promise<Buffer> {
    const cached = this.entries.get(key);
    if (cached && cached.revision === revision && Date.now() < cached.staleAt) return cached.body;
    let pending = this.loads.get(key);
    // A load of a newer revision serves too: that write raced this request.
    if (!pending || pending.revision < revision) {
      const started = { revision, entry: load().then((rendered) => this.keep(key, { ...rendered, revision })) };
      const forget = () => {
        if (this.loads.get(key) === started) this.loads.delete(key);
      };
      started.entry.then(forget, forget);
      this.loads.set(key, started);
      pending = started;
    }
    return (await pending.entry).body;
  }

  /** Keeps `entry` unless a load that finished first already kept a newer revision. */
  private keep(key: string, entry: Entry): Entry {
    const current = this.entries.get(key);
    if (!current || current.revision <= entry.revision) this.entries.set(key, entry);
    return entry;
  }
}
