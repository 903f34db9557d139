import { DeliveryState } from './cache';
import { Change, ChangeKind } from './changes';
import { LruCache } from './lru-cache';

/** A serialized response. */
export interface Rendered {
  body: Buffer;
  /** From then on `body` shows a wrong state (e.g. the first token listed as active expires). */
  staleAt: number;
}

export interface RevisionedCacheOptions<S> {
  /** Bounds the summed size of the bodies, which differ by orders of magnitude. */
  budgetBytes: number;
  /** Rows edited in the database behind the API's back (no revision bump, no notice) show within this. */
  ttlMs: number;
  /** The subject's id for each kind of change that drops its entry. */
  tags: Partial<Record<ChangeKind, (subject: S) => string>>;
}

interface Entry<S> extends Rendered {
  subject: S;
  revision: number;
  /** Loaded while the transport delivered and no change of this entry was announced meanwhile. */
  announced: boolean;
}

interface Load<S> {
  subject: S;
  revision: number;
  announced: boolean;
  entry: Promise<Entry<S>>;
}

/**
 * Serialized responses of a subject whose every write bumps a revision number in the database (an
 * instance's token list), answered two ways:
 *
 * - **By announcement**, when the transport spans the replicas (PostgreSQL) and is delivering:
 *   every write announces a change, which drops the entry here at once and on the other replicas
 *   within milliseconds. A cached body is then served with no database round trip.
 * - **By revision** otherwise: `readRevision` reads the subject's revision (bumped by every write
 *   in its own transaction, on any replica) and an entry answers only for that revision. On SQLite
 *   that read costs microseconds and keeps answers exact even for a second process on the file.
 *
 * A load reads the rows after its caller read `revision`, so its body shows that revision or a
 * later one: at worst it is tagged older than it is (the next request then reloads), never newer.
 * A change announced while a load runs may be missing from it, so that load's entry answers by
 * revision only. Made by `Caches.defineRevisioned`.
 */
export class RevisionedCache<S> {
  private readonly entries: LruCache<string, Entry<S>>;
  /** Concurrent misses of one key share one load. */
  private readonly loads = new Map<string, Load<S>>();

  constructor(
    readonly name: string,
    private readonly transport: DeliveryState & { readonly spansReplicas: boolean },
    private readonly options: RevisionedCacheOptions<S>,
  ) {
    this.entries = new LruCache(options.budgetBytes, options.ttlMs, (entry) => entry.body.length);
  }

  async get(key: string, subject: S, readRevision: () => Promise<number>, load: () => Promise<Rendered>): Promise<Buffer> {
    const cached = this.entries.get(key);
    if (cached?.announced && this.trustsAnnouncements() && Date.now() < cached.staleAt) return cached.body;
    const revision = await readRevision();
    const current = this.entries.get(key);
    if (current && current.revision === revision && Date.now() < current.staleAt) return current.body;
    let pending = this.loads.get(key);
    // A load of a newer revision serves too: that write raced this request.
    if (!pending || pending.revision < revision) {
      const started = { subject, revision, announced: this.trustsAnnouncements() } as Load<S>;
      started.entry = load().then((rendered) => this.keep(key, { ...rendered, subject, revision, announced: started.announced }));
      const forget = () => {
        if (this.loads.get(key) === started) this.loads.delete(key);
      };
      started.entry.then(forget, forget);
      this.loads.set(key, started);
      pending = started;
    }
    return (await pending.entry).body;
  }

  /** Drops the entries a change affects and stops loads in flight from answering by announcement. */
  changed(change: Change): void {
    const tag = this.options.tags[change.kind];
    if (tag) this.drop((subject) => tag(subject) === change.id);
  }

  /** Changes may have been missed: drops everything. */
  reset(): void {
    this.drop(() => true);
  }

  private drop(affects: (subject: S) => boolean): void {
    this.entries.deleteWhere((entry) => affects(entry.subject));
    for (const load of this.loads.values()) if (affects(load.subject)) load.announced = false;
  }

  private trustsAnnouncements(): boolean {
    return this.transport.spansReplicas && this.transport.delivering;
  }

  /** Keeps `entry` unless a load that finished first already kept a newer revision. */
  private keep(key: string, entry: Entry<S>): Entry<S> {
    const current = this.entries.get(key);
    if (!current || current.revision <= entry.revision) this.entries.set(key, entry);
    return entry;
  }
}
