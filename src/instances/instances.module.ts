import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TokenUsesModule } from '../token-uses/token-uses.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ProjectsModule } from '../projects/projects.module';
import { InstanceTokensController } from './instance-tokens.controller';
import { InstanceTokensRepository } from './instance-tokens.repository';
import { InstanceTokensService } from './instance-tokens.service';
import { InstancesController } from './instances.controller';
import { InstancesRepository } from './instances.repository';
import { InstancesService } from './instances.service';
import { InstanceScopePipe } from './instance-scope.decorator';
import { InstanceForwardAuth } from './verification/instance-forward-auth';
import { IntrospectionController } from './verification/introspection.controller';
import { IntrospectionService } from './verification/introspection.service';
import { TokenVerifier } from './verification/token-verifier.service';
import { VerificationRepository } from './verification/verification.repository';

@Module({
  imports: [ProjectsModule, AuditModule, IdempotencyModule, TokenUsesModule],
  controllers: [InstancesController, InstanceTokensController, IntrospectionController],
  providers: [
    InstancesService,
    InstancesRepository,
    InstanceTokensService,
    InstanceTokensRepository,
    InstanceScopePipe,
    TokenVerifier,
    InstanceForwardAuth,
    VerificationRepository,
    IntrospectionService,
  ],
  exports: [InstanceForwardAuth, InstanceTokensRepository],
})
export class InstancesModule {}
