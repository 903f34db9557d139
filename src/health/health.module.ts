import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { ReadinessRepository } from './readiness.repository';

@Module({ controllers: [HealthController], providers: [ReadinessRepository] })
export class HealthModule {}
