import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { TokenUsesModule } from '../token-uses/token-uses.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
import { LoginThrottle } from './login-throttle';
import { PrincipalsService } from './principals.service';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [PassportModule, ServiceAccountsModule, RateLimitsModule, AuditModule, TokenUsesModule],
  controllers: [AuthController, UsersController],
  providers: [AuthService, LoginThrottle, UsersService, UsersRepository, RefreshTokensRepository, PrincipalsService, JwtStrategy],
  exports: [UsersRepository, PrincipalsService, RefreshTokensRepository],
})
export class AuthModule {}
