import { RevocationBus, RevocationEvent } from '../../src/revocation/revocation-bus';

/**
 * A bus that spans replicas, like PostgreSQL's, whose delivery a test switches off as the
 * PostgreSQL bus is while it reconnects. `reset()` is what the bus does after losing events.
 */
export class SwitchableBus extends RevocationBus {
  delivering = true;
  readonly spansReplicas = true;

  async publish(event: RevocationEvent): Promise<void> {
    this.deliver(event);
  }

  reset(): void {
    this.resetAll();
  }

  async close(): Promise<void> {}
}
