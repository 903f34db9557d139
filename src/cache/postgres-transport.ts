import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotificationListener } from '../database/notification-listener';
import { SqlDatabase } from '../database/sql-database';
import { Metrics } from '../metrics/metrics.service';
import { Change, CHANGE_KINDS } from './changes';
import { InvalidationTransport } from './invalidation-transport';

/** Kept from before the cache module: replicas of the previous version hear this channel during a rolling upgrade. */
export const INVALIDATION_CHANNEL = 'tessera_revocations';
/** Lets operators (and tests) find the listener connections in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'tessera-invalidation-listener';

const PING_INTERVAL_MS = 5_000;
const QUERY_TIMEOUT_MS = 3_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

interface Notice {
  /** The publishing replica; a replica ignores its own notices (it applied the change already). */
  origin: string;
  kind: Change['kind'];
  id: string;
}

/**
 * Changes shared by every replica on one PostgreSQL database through LISTEN/NOTIFY: notices are
 * sent through the pool and heard on a dedicated connection (NotificationListener). When that
 * connection is lost the transport stops `delivering`, resets the caches, reconnects with backoff
 * and resets them again, since notices sent in between are gone.
 */
export class PostgresTransport extends InvalidationTransport {
  private readonly logger = new Logger('InvalidationTransport');
  private readonly origin = randomUUID();
  readonly spansReplicas = true;
  private connection?: NotificationListener;
  private listening = false;
  private closed = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  private constructor(
    private readonly connectionString: string,
    private readonly sql: SqlDatabase,
    private readonly metrics: Metrics,
  ) {
    super();
  }

  /** Connects the listener; fails like the database would at start if PostgreSQL is unreachable. */
  static async start(connectionString: string, sql: SqlDatabase, metrics: Metrics): Promise<PostgresTransport> {
    const transport = new PostgresTransport(connectionString, sql, metrics);
    await transport.listen();
    return transport;
  }

  get delivering(): boolean {
    return this.listening;
  }

  async broadcast(change: Change): Promise<void> {
    const notice: Notice = { origin: this.origin, kind: change.kind, id: change.id };
    await this.sql.notify(INVALIDATION_CHANNEL, JSON.stringify(notice));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    this.metrics.invalidationListenerConnected(false);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    await this.connection?.close();
  }

  private async listen(): Promise<void> {
    const listener: NotificationListener = await NotificationListener.open({
      connectionString: this.connectionString,
      applicationName: LISTENER_APPLICATION_NAME,
      channel: INVALIDATION_CHANNEL,
      timeoutMs: QUERY_TIMEOUT_MS,
      onNotification: (payload) => this.receive(payload),
      onLost: (reason) => this.lost(listener, reason),
    });
    this.connection = listener;
    this.listening = true;
    this.metrics.invalidationListenerConnected(true);
    this.reconnectDelay = RECONNECT_MIN_MS;
    this.pingTimer = setInterval(() => {
      listener.ping().catch((error: Error) => this.lost(listener, `ping failed: ${error.message}`));
    }, PING_INTERVAL_MS).unref();
  }

  private receive(payload: string | undefined): void {
    let notice: Partial<Notice>;
    try {
      notice = JSON.parse(payload ?? '') as Partial<Notice>;
    } catch {
      this.logger.warn('ignored an invalidation notice that is not JSON');
      return;
    }
    if (notice.origin === this.origin) return;
    this.metrics.invalidationNoticeReceived();
    if (!CHANGE_KINDS.includes(notice.kind!) || typeof notice.id !== 'string') {
      this.logger.warn('ignored a malformed invalidation notice');
      return;
    }
    this.received({ kind: notice.kind!, id: notice.id });
  }

  private lost(listener: NotificationListener, reason: string): void {
    if (this.closed || listener !== this.connection) return;
    this.connection = undefined;
    this.listening = false;
    this.metrics.invalidationListenerConnected(false);
    clearInterval(this.pingTimer);
    void listener.close();
    this.logger.warn(`invalidation listener lost (${reason}); caches bypassed until it reconnects`);
    this.missed();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(
      () => {
        this.listen().then(
          () => {
            if (this.closed) {
              void this.close();
              return;
            }
            this.logger.log('invalidation listener reconnected');
            // Notices sent while disconnected are lost: drop whatever was loaded meanwhile.
            this.missed();
          },
          (error: Error) => {
            this.logger.warn(`invalidation listener reconnect failed: ${error.message}`);
            this.scheduleReconnect();
          },
        );
      },
      delay * (0.5 + Math.random() / 2),
    ).unref();
  }
}
