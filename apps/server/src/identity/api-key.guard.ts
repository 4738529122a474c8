import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeyScope } from '@tether/persistence';
import { DomainError } from '../domain-error';
import { IdentityService } from './identity.service';
import { type AuthenticatedRequest, PUBLIC_ROUTE, REQUIRED_SCOPE } from './principal';

/** Resolves `Authorization: Bearer <key>` to a principal and checks the route's scope. */
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
    const principal = await this.identity.authenticate(match[1]!);
    if (!principal) throw new DomainError('UNAUTHENTICATED', 'The API key is unknown or revoked.');
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
