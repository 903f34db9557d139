import { LruCache } from '../common/lru-cache';
import { RevocationBus, RevocationEvent } from '../revocation/revocation-bus';

/** Bounds memory by bytes, not entries: one long list can outweigh many short ones. */
const BUDGET_BYTES = 8 * 1024 * 1024;
/** Rows edited in the database behind the API's back (no revision bump, no notice) show within this, as elsewhere. */
const RECHECK_MS = 30_000;

/** Which list: the instance and the project and region it was asked under. */
export interface ListScope {
  projectId: string;
  region: string;
  instanceId: string;
}

/** A serialized list response. */
export interface RenderedList {
  body: Buffer;
  /** When the first token listed as active expires: from then on `body` shows a wrong state. */
  staleAt: number;
}

interface Entry extends RenderedList {
  scope: ListScope;
  revision: number;
  /** Loaded while the bus delivered and no change of this list was announced meanwhile. */
  announced: boolean;
}

interface Load {
  scope: ListScope;
  revision: number;
  announced: boolean;
  entry: Promise<Entry>;
}

/**
 * Serialized token-list responses by instance, answered two ways:
 *
 * - **By announcement**, when the RevocationBus spans the replicas (PostgreSQL) and is delivering:
 *   every token write publishes `instance-tokens` (instance and project deletions their own
 *   kinds), which drops the entry here at once and on the other replicas within milliseconds. A
 *   cached list is then served with no database round trip.
 * - **By revision** otherwise: `readRevision` reads the instance's `tokensRevision` (every token
 *   write bumps it in its own transaction, on any replica) and an entry answers only for that
 *   revision. On SQLite that read costs microseconds and keeps lists exact even for a second
 *   process on the same file.
 *
 * A load reads the rows after its caller read `revision`, so its body shows that revision or a
 * later one: at worst it is tagged older than it is (the next request then reloads), never newer.
 * A change announced while a load runs may be missing from it, so that load's entry answers by
 * revision only.
 */
export class TokenListCache {
  private readonly entries = new LruCache<string, Entry>(BUDGET_BYTES, RECHECK_MS, (entry) => entry.body.length);
  /** Concurrent misses for one instance share one load. */
  private readonly loads = new Map<string, Load>();

  constructor(private readonly bus: RevocationBus) {
    bus.subscribe({ revoked: (event) => this.changed(event), reset: () => this.changed() });
  }

  async get(scope: ListScope, readRevision: () => Promise<number>, load: () => Promise<RenderedList>): Promise<Buffer> {
    const key = `${scope.projectId}/${scope.region}/${scope.instanceId}`;
    const cached = this.entries.get(key);
    if (cached?.announced && this.trustsAnnouncements() && Date.now() < cached.staleAt) return cached.body;
    const revision = await readRevision();
    const current = this.entries.get(key);
    if (current && current.revision === revision && Date.now() < current.staleAt) return current.body;
    let pending = this.loads.get(key);
    // A load of a newer revision serves too: that write raced this request.
    if (!pending || pending.revision < revision) {
      const started = { scope, revision, announced: this.trustsAnnouncements() } as Load;
      started.entry = load().then((rendered) => this.keep(key, { ...rendered, scope, revision, announced: started.announced }));
      const forget = () => {
        if (this.loads.get(key) === started) this.loads.delete(key);
      };
      started.entry.then(forget, forget);
      this.loads.set(key, started);
      pending = started;
    }
    return (await pending.entry).body;
  }

  private trustsAnnouncements(): boolean {
    return this.bus.spansReplicas && this.bus.delivering;
  }

  /** Keeps `entry` unless a load that finished first already kept a newer revision. */
  private keep(key: string, entry: Entry): Entry {
    const current = this.entries.get(key);
    if (!current || current.revision <= entry.revision) this.entries.set(key, entry);
    return entry;
  }

  /** Drops the lists an event changed and stops loads in flight from answering by announcement; no event: all of them. */
  private changed(event?: RevocationEvent): void {
    const affects = event ? listsChangedBy(event) : () => true;
    if (!affects) return;
    this.entries.deleteWhere((entry) => affects(entry.scope));
    for (const load of this.loads.values()) if (affects(load.scope)) load.announced = false;
  }
}

function listsChangedBy(event: RevocationEvent): ((scope: ListScope) => boolean) | undefined {
  switch (event.kind) {
    case 'instance-tokens':
    case 'instance':
      return (scope) => scope.instanceId === event.id;
    case 'project':
      return (scope) => scope.projectId === event.id;
    default:
      return undefined;
  }
}
