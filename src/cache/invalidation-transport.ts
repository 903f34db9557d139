import { Change } from './changes';

/** What the transport tells the caches: a change made on another replica, or "you may have missed some". */
export interface InvalidationListener {
  changed(change: Change): void;
  reset(): void;
}

/**
 * Carries changes between the replicas sharing a database. Caches applies a change locally
 * itself; the transport only broadcasts it to the others and hands theirs to the listener.
 */
export abstract class InvalidationTransport {
  private listener?: InvalidationListener;

  /**
   * False while changes from other replicas may be missed (e.g. the PostgreSQL listener is
   * reconnecting): caches then read through to the database and keep nothing.
   */
  abstract get delivering(): boolean;

  /** True when other replicas' changes arrive here (PostgreSQL); on SQLite one process sees every write. */
  abstract readonly spansReplicas: boolean;

  /** Tells the other replicas; resolves once sent. */
  abstract broadcast(change: Change): Promise<void>;

  abstract close(): Promise<void>;

  deliverTo(listener: InvalidationListener): void {
    this.listener = listener;
  }

  protected received(change: Change): void {
    this.listener?.changed(change);
  }

  /** Changes may have been missed: everything cached must go. */
  protected missed(): void {
    this.listener?.reset();
  }
}

/** One process serves the database (SQLite): there is nobody to tell. */
export class LocalTransport extends InvalidationTransport {
  readonly delivering = true;
  readonly spansReplicas = false;

  broadcast(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {}
}
