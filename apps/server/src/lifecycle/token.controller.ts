import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ConnectionsService } from '../connections/connections.service';
import { TokenVault } from '../connections/token-vault';
import { connectionView } from '../connections/views';
import { DomainError } from '../domain-error';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { ZodPipe } from '../http/zod-body.pipe';
import { CurrentPrincipal, type Principal, RequireScope } from '../identity/principal';
import { ProviderRegistry } from '../providers/provider-registry';
import { needsRefresh } from './lifecycle-policy';
import { LifecycleFailure, LifecycleService } from './lifecycle.service';

const reportedError = z.strictObject({
  status: z.number().int().min(0).max(999),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
});

/** Tokens for callers, forced refreshes and errors callers saw. */
@ApiTags('tokens')
@Controller('api/v1/connections')
export class TokenController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly lifecycle: LifecycleService,
    private readonly vault: TokenVault,
    private readonly registry: ProviderRegistry,
  ) {}

  private needsReauthorization(connection: {
    status: string;
    reason?: string;
    remedy?: string;
    id: string;
  }): DomainError {
    return new DomainError(
      'CONNECTION_NEEDS_REAUTHORIZATION',
      `Connection ${connection.id} is ${connection.status}: ${connection.remedy ?? 'reconnect it.'}`,
      {
        reason: connection.reason ?? null,
        remedy: connection.remedy ?? null,
      },
    );
  }

  @Get(':id/token')
  @RequireScope('tokens:read')
  @ApiKeyAuth('CONNECTION_NOT_FOUND', 'CONNECTION_NEEDS_REAUTHORIZATION', 'SERVICE_UNAVAILABLE')
  @ApiOperation({
    summary: 'A valid access token for the connection',
    description:
      'Refreshed first (once, however many callers ask) when inside its lead time. Never an expired token.',
  })
  @ApiOkResponse({ description: '`{ accessToken, tokenType, expiresAt, tokenSecret? }`' })
  async token(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    let connection = await this.connections.get(principal, id);
    if (connection.status === 'expired' || connection.status === 'revoked')
      throw this.needsReauthorization(connection);
    const own = this.vault.connectionToken(connection);
    if (own)
      return {
        accessToken: own,
        tokenType: 'bearer',
        expiresAt: connection.accessTokenExpiresAt?.toISOString() ?? null,
      };
    const active = this.registry.get(connection.provider);
    if (needsRefresh(active.provider, connection.grant, new Date())) {
      try {
        await this.lifecycle.refresh(connection.grant.id);
      } catch (error) {
        if (!(error instanceof LifecycleFailure)) throw error;
      }
      connection = await this.connections.get(principal, id);
      if (connection.status === 'expired' || connection.status === 'revoked')
        throw this.needsReauthorization(connection);
    }
    const tokens = this.vault.grantTokens(connection.grant);
    const expiresAt = connection.grant.accessTokenExpiresAt;
    if (!tokens || (expiresAt && expiresAt.getTime() <= Date.now())) {
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        `The ${connection.provider} token could not be renewed yet; Tether keeps retrying. Try again shortly.`,
      );
    }
    return {
      accessToken: tokens.accessToken,
      tokenType: 'bearer',
      expiresAt: expiresAt?.toISOString() ?? null,
      ...(tokens.tokenSecret ? { tokenSecret: tokens.tokenSecret } : {}),
    };
  }

  @Post(':id/refresh')
  @HttpCode(200)
  @ApiKeyAuth('CONNECTION_NOT_FOUND', 'CONNECTION_NEEDS_REAUTHORIZATION')
  @ApiOperation({ summary: 'Refresh the connection’s tokens now' })
  @ApiOkResponse({ description: 'The connection after the refresh' })
  async refresh(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const connection = await this.connections.get(principal, id);
    if (connection.status === 'expired' || connection.status === 'revoked')
      throw this.needsReauthorization(connection);
    try {
      await this.lifecycle.refresh(connection.grant.id, { force: true });
    } catch (error) {
      if (!(error instanceof LifecycleFailure)) throw error;
    }
    return connectionView(await this.connections.get(principal, id));
  }

  @Post(':id/errors')
  @HttpCode(200)
  @ApiKeyAuth('CONNECTION_NOT_FOUND')
  @ApiJsonBody(reportedError)
  @ApiOperation({
    summary: 'Report an error the network returned while using the token',
    description:
      'Classified by the provider; a permanent reason changes the status at once, a transient one is recorded.',
  })
  @ApiOkResponse({ description: '`{ reason, transient, remedy, connection }`' })
  @ApiProblems('INVALID_REQUEST')
  async report(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(reportedError)) input: z.output<typeof reportedError>,
  ) {
    const connection = await this.connections.get(principal, id);
    const headers = Object.fromEntries(
      Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const verdict = await this.lifecycle.report(connection, {
      status: input.status,
      headers,
      body: input.body,
    });
    return { ...verdict, connection: connectionView(await this.connections.get(principal, id)) };
  }
}
