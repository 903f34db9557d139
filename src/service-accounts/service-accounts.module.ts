import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ProjectsModule } from '../projects/projects.module';
import { ServiceAccountsController } from './service-accounts.controller';
import { ServiceAccountsRepository } from './service-accounts.repository';
import { ServiceAccountsService } from './service-accounts.service';

@Module({
  imports: [ProjectsModule, AuditModule, IdempotencyModule],
  controllers: [ServiceAccountsController],
  providers: [ServiceAccountsService, ServiceAccountsRepository],
  exports: [ServiceAccountsRepository],
})
export class ServiceAccountsModule {}
