import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiKeyScope } from '@tether/persistence';
import type { Request } from 'express';
import { DomainError } from '../domain-error';

/** Who is calling: resolved from the API key by the guard. */
export interface Principal {
  readonly workspaceId: string;
  readonly scope: ApiKeyScope;
  /** The key's id; absent for the configured `TETHER_ADMIN_KEY`. */
  readonly apiKeyId?: string;
  /** The user the key acts for, if any. */
  readonly userId?: string;
  /** That user's role: a member sees only the connections they own or that are shared with them. */
  readonly userRole?: 'admin' | 'member';
}

export const PUBLIC_ROUTE = 'tether:public';
export const OPERATOR_ROUTE = 'tether:operator';
export const REQUIRED_SCOPE = 'tether:scope';

/** The route needs no API key. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The route manages the instance (workspaces) and takes only the operator key
 * (`TETHER_OPERATOR_KEY`), which in turn works on no other route.
 */
export const OperatorRoute = () => SetMetadata(OPERATOR_ROUTE, true);

/**
 * The scope a route needs. `admin` keys may call everything; `tokens:read` keys only routes
 * that ask for `tokens:read`. Routes without this decorator need `admin`.
 */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(REQUIRED_SCOPE, scope);

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Injects the caller resolved by the guard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new Error('CurrentPrincipal used on a public route');
    return request.principal;
  },
);

/**
 * Members act only on their own and shared connections; managing users and keys needs a key
 * with no user or one of an admin user.
 */
export function assertWorkspaceAdmin(principal: Principal): void {
  if (principal.userRole === 'member') {
    throw new DomainError(
      'INSUFFICIENT_SCOPE',
      'This route is for workspace admins; this key belongs to a member.',
    );
  }
}
