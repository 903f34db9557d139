import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { ExtractJwt } from 'passport-jwt';
import { AppError } from '../common/app-error';
import { IS_PUBLIC } from '../common/public.decorator';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics, VerificationMeter } from '../metrics/metrics.service';
import { refusalOf } from './jwt.strategy';

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();
type GuardedRequest = FastifyRequest & { authStartedAt?: number };

/**
 * Global guard: every route needs a valid bearer token unless it is marked @Public(). JwtStrategy
 * decides; the guard turns its refusal into the 401 and counts every decision in the console
 * verification metrics.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly verifications: VerificationMeter;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    super();
    this.verifications = metrics.verifications('console');
  }

  canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    context.switchToHttp().getRequest<GuardedRequest>().authStartedAt = performance.now();
    return super.canActivate(context);
  }

  handleRequest<T>(error: unknown, principal: T, info: unknown, context: ExecutionContext): T {
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const seconds = (performance.now() - (request.authStartedAt ?? performance.now())) / 1000;
    if (principal) {
      this.verifications.observe('valid', seconds);
      return principal;
    }
    // The principal lookup failed (e.g. the database is down): that says nothing about the token,
    // so it must not become a 401 that makes clients discard it. The filter decides (503 or 500).
    if (error) throw error instanceof Error ? error : new Error('authentication failed', { cause: error });
    const token = bearerToken(request) ?? undefined;
    const refusal = refusalOf(info, token, this.config.auth.issuer);
    this.verifications.observe(refusal.result, seconds);
    if (refusal.hint) throw AppError.expiredToken(refusal.hint);
    throw token ? AppError.invalidToken('Failed validating the JWT Token') : AppError.unauthorized();
  }
}
