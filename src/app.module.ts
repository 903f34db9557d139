import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { ConsoleModule } from './console/console.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { AppValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { InstancesModule } from './instances/instances.module';
import { KeysModule } from './keys/keys.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsModule } from './models/models.module';
import { ProjectsModule } from './projects/projects.module';
import { CacheModule } from './cache/cache.module';
import { ServiceAccountsModule } from './service-accounts/service-accounts.module';
import { TokenRevocationsModule } from './token-revocations/token-revocations.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        MetricsModule,
        CacheModule,
        KeysModule,
        HealthModule,
        AuthModule,
        ProjectsModule,
        InstancesModule,
        ModelsModule,
        ServiceAccountsModule,
        TokenRevocationsModule,
        ConsoleModule,
      ],
      providers: [
        { provide: APP_PIPE, useValue: new AppValidationPipe(config) },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
    };
  }
}
