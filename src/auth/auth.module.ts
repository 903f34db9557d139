import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ServiceAccountsRepository } from '../service-accounts/service-accounts.repository';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
import { LoginFailuresRepository } from './login-failures.repository';
import { LoginThrottle } from './login-throttle';
import { PrincipalsService } from './principals.service';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [PassportModule],
  controllers: [AuthController, UsersController],
  providers: [
    AuthService,
    LoginThrottle,
    LoginFailuresRepository,
    UsersService,
    UsersRepository,
    RefreshTokensRepository,
    PrincipalsService,
    JwtStrategy,
    ServiceAccountsRepository,
  ],
  exports: [UsersRepository, PrincipalsService],
})
export class AuthModule {}
