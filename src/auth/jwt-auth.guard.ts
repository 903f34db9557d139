import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../common/app-error';
import { IS_PUBLIC } from '../common/public.decorator';
import { ExpiredTokenError } from './jwt.strategy';

/** Global guard: every route needs a valid bearer token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic || super.canActivate(context);
  }

  handleRequest<T>(error: unknown, principal: T, info: unknown): T {
    if (principal) return principal;
    // The principal lookup failed (e.g. the database is down): that says nothing about the token,
    // so it must not become a 401 that makes clients discard it. The filter decides (503 or 500).
    if (error) throw error instanceof Error ? error : new Error('authentication failed', { cause: error });
    if (info instanceof ExpiredTokenError) throw AppError.expiredToken(info.message);
    const noToken = info instanceof Error && /no auth token/i.test(info.message);
    throw noToken ? AppError.unauthorized() : AppError.invalidToken('Failed validating the JWT Token');
  }
}
