import { Module } from '@nestjs/common';
import { TokenUseQueues } from './token-use-queue';
import { TokenUsesRepository } from './token-uses.repository';

/** lastUsedAt and lastUsedIps of every kind of token: the queues verifiers note uses in, and their writes. */
@Module({ providers: [TokenUseQueues, TokenUsesRepository], exports: [TokenUseQueues, TokenUsesRepository] })
export class TokenUsesModule {}
