import { Injectable } from '@nestjs/common';
import { SqlDatabase } from '../database/sql-database';

@Injectable()
export class ReadinessRepository {
  constructor(private readonly sql: SqlDatabase) {}

  /** Resolves when the database answers a query; rejects when it does not. */
  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }
}
