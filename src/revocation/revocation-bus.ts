/**
 * Something that stopped being valid; caches holding it must drop it. `model` and `model-prefix`
 * mean the model registry changed (a model, its versions, a prefix or its grants).
 */
export interface RevocationEvent {
  kind: 'instance-token' | 'instance' | 'project' | 'service-account-token' | 'external-token' | 'user' | 'model' | 'model-prefix';
  id: string;
}

export type RevocationHandler = (event: RevocationEvent) => void;

/**
 * Tells every cache of every replica that something was revoked. `publish` runs this replica's
 * handlers before it resolves (so a revoke is effective here when the request returns) and then
 * broadcasts to the other replicas.
 */
export abstract class RevocationBus {
  abstract publish(event: RevocationEvent): Promise<void>;
  abstract subscribe(handler: RevocationHandler): void;
}

/** Single-process bus: enough for SQLite, where only one process serves a database file. */
export class LocalRevocationBus extends RevocationBus {
  private readonly handlers: RevocationHandler[] = [];

  async publish(event: RevocationEvent): Promise<void> {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: RevocationHandler): void {
    this.handlers.push(handler);
  }
}
