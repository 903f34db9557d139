import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SharedWindowCounters } from '../rate-limits/shared-window-counters';

/**
 * TESSERA_TOKEN_REVOCATION_RATE per client address, counted by every replica together. A guard,
 * so a request is counted before its body is validated: invalid bodies count too.
 */
@Injectable()
export class TokenRevocationRateLimit implements CanActivate {
  constructor(
    private readonly counters: SharedWindowCounters,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { ip } = context.switchToHttp().getRequest<FastifyRequest>();
    const wait = await this.counters.take('token-revocations', ip, this.config.tokenRevocations.rate);
    if (wait) throw AppError.tooManyRequests(wait, 'too many token revocation requests from this address; retry after Retry-After seconds');
    return true;
  }
}
