import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeyScope } from '@tether/persistence';
import { DomainError } from '../domain-error';
import { IdentityService } from './identity.service';
import {
  type AuthenticatedRequest,
  OPERATOR_ROUTE,
  PUBLIC_ROUTE,
  REQUIRED_SCOPE,
} from './principal';

/**
 * Resolves `Authorization: Bearer <key>` to a principal and checks the route's scope. The
 * operator key and workspace keys are kept apart: each is refused on the other's routes.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly identity: IdentityService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new DomainError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>".');
    }
    const key = match[1]!;
    const operatorRoute = this.reflector.getAllAndOverride<boolean>(OPERATOR_ROUTE, targets);
    if (this.identity.isOperatorKey(key)) {
      if (operatorRoute) return true;
      throw new DomainError(
        'INSUFFICIENT_SCOPE',
        'The operator key manages workspaces only; call this route with an API key of the workspace (POST /api/v1/workspaces returns its first admin key).',
      );
    }
    const principal = await this.identity.authenticate(key);
    if (!principal)
      throw new DomainError('UNAUTHENTICATED', 'The API key is unknown, revoked or expired.');
    if (operatorRoute) {
      throw new DomainError(
        'INSUFFICIENT_SCOPE',
        this.identity.hasOperatorKey()
          ? 'This route needs the instance’s operator key; a workspace’s API key cannot manage workspaces.'
          : 'This route needs the instance’s operator key, and this server has none: set TETHER_OPERATOR_KEY.',
      );
    }
    const required =
      this.reflector.getAllAndOverride<ApiKeyScope>(REQUIRED_SCOPE, targets) ?? 'admin';
    if (required === 'admin' && principal.scope !== 'admin') {
      throw new DomainError(
        'INSUFFICIENT_SCOPE',
        `This route needs an API key with the admin scope; this key has ${principal.scope}.`,
      );
    }
    request.principal = principal;
    return true;
  }
}
