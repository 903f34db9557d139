import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TokenUsesModule } from '../token-uses/token-uses.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ExternalTokensController } from './external-tokens/external-tokens.controller';
import { ExternalTokensRepository } from './external-tokens/external-tokens.repository';
import { ExternalTokensService } from './external-tokens/external-tokens.service';
import { ModelAuthController } from './model-auth/model-auth.controller';
import { ModelAuthService } from './model-auth/model-auth.service';
import { ModelUrlsController } from './model-urls/model-urls.controller';
import { ModelUrlsService } from './model-urls/model-urls.service';
import { ModelPrefixAccess } from './registry/model-prefix-access.service';
import { ModelPrefixesController } from './registry/model-prefixes.controller';
import { ModelPrefixesRepository } from './registry/model-prefixes.repository';
import { ModelPrefixesService } from './registry/model-prefixes.service';
import { ModelsController } from './registry/models.controller';
import { ModelsRepository } from './registry/models.repository';
import { ModelsService } from './registry/models.service';
import { ModelDirectory } from './verification/model-directory';
import { ModelDirectoryRepository } from './verification/model-directory.repository';
import { ModelForwardAuth } from './verification/model-forward-auth';
import { ModelTokenVerifier } from './verification/model-token-verifier.service';

/**
 * The model registry (prefixes, grants, models, versions), model URLs with their metadata, model
 * API session tokens, external API tokens, and their verification for model hosts.
 */
@Module({
  imports: [AuditModule, IdempotencyModule, TokenUsesModule],
  controllers: [ModelPrefixesController, ModelsController, ModelAuthController, ExternalTokensController, ModelUrlsController],
  providers: [
    ModelPrefixesRepository,
    ModelPrefixAccess,
    ModelPrefixesService,
    ModelsRepository,
    ModelsService,
    ModelDirectory,
    ModelDirectoryRepository,
    ModelTokenVerifier,
    ModelForwardAuth,
    ModelUrlsService,
    ModelAuthService,
    ExternalTokensRepository,
    ExternalTokensService,
  ],
  exports: [ModelTokenVerifier, ModelDirectory, ModelForwardAuth, ExternalTokensRepository],
})
export class ModelsModule {}
