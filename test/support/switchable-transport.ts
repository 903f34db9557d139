import { Change } from '../../src/cache/changes';
import { InvalidationTransport } from '../../src/cache/invalidation-transport';

/**
 * A transport that spans replicas, like PostgreSQL's, whose delivery a test switches off as the
 * PostgreSQL transport is while it reconnects. `receive()` is a change arriving from another
 * replica; `reset()` is what the transport does after losing changes.
 */
export class SwitchableTransport extends InvalidationTransport {
  delivering = true;
  readonly spansReplicas = true;
  readonly broadcasts: Change[] = [];

  async broadcast(change: Change): Promise<void> {
    this.broadcasts.push(change);
  }

  receive(change: Change): void {
    this.received(change);
  }

  reset(): void {
    this.missed();
  }

  async close(): Promise<void> {}
}
