import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AppError } from '../common/app-error';
import { Public } from '../common/public.decorator';
import { SqlDatabase } from '../database/sql-database';

@ApiExcludeController(false)
@Public()
@Controller()
export class HealthController {
  constructor(private readonly sql: SqlDatabase) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers. */
  @Get('readyz')
  async ready() {
    try {
      await this.sql.query('SELECT 1');
    } catch {
      throw new AppError(503, 'not_ready', 'database unreachable');
    }
    return { status: 'ok' };
  }
}
