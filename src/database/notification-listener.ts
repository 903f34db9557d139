import { Client } from 'pg';

export interface NotificationListenerOptions {
  connectionString: string;
  /** Shown in pg_stat_activity, so operators (and tests) can find the connection. */
  applicationName: string;
  channel: string;
  /** For connecting, LISTEN and pings. */
  timeoutMs: number;
  onNotification(payload: string | undefined): void;
  /** The connection failed or ended; not called after `close()`. */
  onLost(reason: string): void;
}

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel: a pooled connection would be
 * handed to queries and lose the LISTEN. NOTIFY goes through the pool (`SqlDatabase.notify`).
 */
export class NotificationListener {
  private constructor(private readonly client: Client) {}

  static async open(options: NotificationListenerOptions): Promise<NotificationListener> {
    const client = new Client({
      connectionString: options.connectionString,
      application_name: options.applicationName,
      keepAlive: true,
      query_timeout: options.timeoutMs,
      connectionTimeoutMillis: options.timeoutMs,
    });
    client.on('notification', (message) => {
      if (message.channel === options.channel) options.onNotification(message.payload);
    });
    client.on('error', (error) => options.onLost(error.message));
    client.on('end', () => options.onLost('connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${options.channel}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    return new NotificationListener(client);
  }

  /** A half-open TCP connection delivers nothing and reports nothing; a query notices it. */
  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('end');
    await this.client.end().catch(() => undefined);
  }
}
