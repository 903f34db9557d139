import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SqlDatabase } from '../database/sql-database';
import { Metrics } from '../metrics/metrics.service';
import { Caches } from './caches.service';
import { InvalidationTransport, LocalTransport } from './invalidation-transport';
import { PostgresTransport } from './postgres-transport';

/** SQLite is served by one process; PostgreSQL may have many replicas, which LISTEN/NOTIFY joins. */
function createTransport(config: AppConfig, sql: SqlDatabase, metrics: Metrics): Promise<InvalidationTransport> | InvalidationTransport {
  return config.database.provider === 'postgresql' ? PostgresTransport.start(config.database.url, sql, metrics) : new LocalTransport();
}

@Global()
@Module({
  providers: [{ provide: InvalidationTransport, inject: [APP_CONFIG, SqlDatabase, Metrics], useFactory: createTransport }, Caches],
  exports: [Caches, InvalidationTransport],
})
export class CacheModule implements OnApplicationShutdown {
  constructor(private readonly transport: InvalidationTransport) {}

  onApplicationShutdown(): Promise<void> {
    return this.transport.close();
  }
}
