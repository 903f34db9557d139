import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SqlDatabase } from '../database/sql-database';
import { Metrics } from '../metrics/metrics.service';
import { PostgresRevocationBus } from './postgres-revocation-bus';
import { LocalRevocationBus, RevocationBus } from './revocation-bus';

/** SQLite is served by one process; PostgreSQL may have many replicas, which LISTEN/NOTIFY joins. */
function createBus(config: AppConfig, sql: SqlDatabase, metrics: Metrics): Promise<RevocationBus> | RevocationBus {
  return config.database.provider === 'postgresql' ? PostgresRevocationBus.start(config.database.url, sql, metrics) : new LocalRevocationBus();
}

@Global()
@Module({
  providers: [{ provide: RevocationBus, inject: [APP_CONFIG, SqlDatabase, Metrics], useFactory: createBus }],
  exports: [RevocationBus],
})
export class RevocationModule implements OnApplicationShutdown {
  constructor(private readonly bus: RevocationBus) {}

  onApplicationShutdown(): Promise<void> {
    return this.bus.close();
  }
}
