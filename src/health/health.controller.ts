import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { AppError } from '../common/app-error';
import { Public } from '../common/public.decorator';
import { ConsoleErrorResponse } from '../common/dto/error-response.dto';
import { HealthDto } from './dto/health.dto';
import { ReadinessRepository } from './readiness.repository';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly database: ReadinessRepository) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @HttpCode(200)
  live(): HealthDto {
    return { status: 'ok' };
  }

  /** Readiness: the database answers. */
  @Get('readyz')
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer.', type: ConsoleErrorResponse })
  async ready(): Promise<HealthDto> {
    try {
      await this.database.ping();
    } catch {
      throw new AppError(503, 'not_ready', 'database unreachable');
    }
    return { status: 'ok' };
  }
}
