export const REVOCATION_KINDS = [
  'instance-token',
  'instance',
  'project',
  'service-account-token',
  'external-token',
  'user',
  // The model registry changed: a model, its versions, a prefix or its grants.
  'model',
  'model-prefix',
  // Not revocations, but changes the same caches must see: an instance's token list (any token
  // write, including lastUsedAt) and a project's row or memberships.
  'instance-tokens',
  'project-access',
] as const;

/** Something that stopped being valid (or changed); caches holding it must drop it. */
export interface RevocationEvent {
  kind: (typeof REVOCATION_KINDS)[number];
  id: string;
}

/**
 * What a cache gives the bus. `revoked` drops one thing; `reset` drops everything, because this
 * replica may have missed events (its connection to the other replicas was lost).
 */
export interface RevocationSubscriber {
  revoked(event: RevocationEvent): void;
  reset(): void;
}

/**
 * Tells every cache of every replica that something was revoked. `publish` runs this replica's
 * subscribers before it resolves (so a revoke is effective here when the request returns) and then
 * broadcasts to the other replicas. Publish after the database write has committed.
 */
export abstract class RevocationBus {
  protected readonly subscribers: RevocationSubscriber[] = [];

  abstract publish(event: RevocationEvent): Promise<void>;

  /**
   * False while events from other replicas may be missed (e.g. the PostgreSQL listener is
   * reconnecting): caches must then read through to the database and keep nothing.
   */
  abstract get delivering(): boolean;

  /**
   * True when the events of other replicas arrive here too (PostgreSQL). A single-process bus only
   * knows this process's writes, which is all there is on SQLite.
   */
  abstract readonly spansReplicas: boolean;

  abstract close(): Promise<void>;

  subscribe(subscriber: RevocationSubscriber): void {
    this.subscribers.push(subscriber);
  }

  protected deliver(event: RevocationEvent): void {
    for (const subscriber of this.subscribers) subscriber.revoked(event);
  }

  protected resetAll(): void {
    for (const subscriber of this.subscribers) subscriber.reset();
  }
}

/** Single-process bus: enough for SQLite, where only one process serves a database file. */
export class LocalRevocationBus extends RevocationBus {
  readonly delivering = true;
  readonly spansReplicas = false;

  publish(event: RevocationEvent): Promise<void> {
    this.deliver(event);
    return Promise.resolve();
  }

  async close(): Promise<void> {}
}
