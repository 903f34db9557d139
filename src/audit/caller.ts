import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Principal } from '../common/principal';

/** Who is calling and the id of their request: what a service needs to authorize and to audit. */
export interface Caller {
  principal: Principal;
  requestId: string;
}

export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
  return { principal: request.user, requestId: request.id };
});
