import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { InstancesModule } from '../instances/instances.module';
import { ModelsModule } from '../models/models.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { TokenRevocationRateLimit } from './token-revocation-rate-limit.guard';
import { TokenRevocationsController } from './token-revocations.controller';
import { TokenRevocationsService } from './token-revocations.service';

/** POST /v1/token-revocations: whoever holds a leaked token may end it. */
@Module({
  imports: [AuditModule, AuthModule, InstancesModule, ModelsModule, ServiceAccountsModule, RateLimitsModule],
  controllers: [TokenRevocationsController],
  providers: [TokenRevocationsService, TokenRevocationRateLimit],
})
export class TokenRevocationsModule {}
