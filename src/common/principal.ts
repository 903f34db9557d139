import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who is calling: a console user or a service account, as proven by a bearer token. */
export type Principal =
  | { kind: 'user'; id: string; email: string; isAdmin: boolean; tokenId: string }
  | { kind: 'service-account'; id: string; email: string; projectId: string; tokenId: string };

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);

/** A short label for audit events and logs, e.g. `user:3f2…` or `service-account:9a1…`. */
export const principalLabel = (principal: Principal) => `${principal.kind}:${principal.id}`;
