import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { needsRefresh, renewableWithoutPerson } from '@tether/core';
import { Clock } from '../clock/clock';
import { grantState, hasOwnToken } from '../connections/connection-state';
import { ConnectionsService } from '../connections/connections.service';
import { TokenVault } from '../connections/token-vault';
import { connectionView } from '../connections/views';
import { DomainError } from '../domain-error';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { ZodPipe } from '../http/zod-body.pipe';
import { CurrentPrincipal, type Principal, RequireScope } from '../identity/principal';
import { ProviderRegistry } from '../providers/provider-registry';
import { HealthChecks } from './health-checks';
import { LifecycleFailure } from './lifecycle-failure';
import { ReportedErrors } from './reported-errors';
import { TokenRenewal } from './token-renewal';

const reportedError = z.strictObject({
  status: z.number().int().min(0).max(999),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
});

/** Tokens for callers, forced refreshes and checks, and errors callers saw. */
@ApiTags('tokens')
@Controller('api/v1/connections')
export class TokenController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly renewal: TokenRenewal,
    private readonly checks: HealthChecks,
    private readonly reported: ReportedErrors,
    private readonly vault: TokenVault,
    private readonly registry: ProviderRegistry,
    @Inject(Clock) private readonly clock: Clock,
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
    if (needsRefresh(active.provider.refresh, grantState(connection.grant), this.clock.now())) {
      try {
        await this.renewal.refresh(connection.grant.id);
      } catch (error) {
        if (!(error instanceof LifecycleFailure)) throw error;
      }
      connection = await this.connections.get(principal, id);
      if (connection.status === 'expired' || connection.status === 'revoked')
        throw this.needsReauthorization(connection);
    }
    const tokens = this.vault.grantTokens(connection.grant);
    const expiresAt = connection.grant.accessTokenExpiresAt;
    if (!tokens || (expiresAt && expiresAt.getTime() <= this.clock.now().getTime())) {
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
  @ApiKeyAuth('CONNECTION_NOT_FOUND', 'CONNECTION_NEEDS_REAUTHORIZATION', 'SERVICE_UNAVAILABLE')
  @ApiOperation({
    summary: 'Refresh the connection’s tokens now',
    description:
      'Where only the person can renew the tokens (or the connection works with its own token), runs the health check instead, so the answer is never unchecked.',
  })
  @ApiOkResponse({ description: 'The connection after the refresh or check' })
  async refresh(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const connection = await this.connections.getToActOn(principal, id);
    if (connection.status === 'expired' || connection.status === 'revoked')
      throw this.needsReauthorization(connection);
    const { provider } = this.registry.get(connection.provider);
    if (
      !hasOwnToken(connection) &&
      renewableWithoutPerson(provider.refresh, grantState(connection.grant))
    ) {
      try {
        await this.renewal.refresh(connection.grant.id, { force: true });
      } catch (error) {
        if (!(error instanceof LifecycleFailure)) throw error;
      }
    } else {
      await this.checks.connection(connection);
    }
    return connectionView(await this.connections.get(principal, id));
  }

  @Post(':id/check')
  @HttpCode(200)
  @ApiKeyAuth('CONNECTION_NOT_FOUND', 'SERVICE_UNAVAILABLE')
  @ApiOperation({
    summary: 'Run the connection’s health check now',
    description:
      'With the token the connection works with (its own, such as a Facebook Page token, else the authorization’s). A failure is applied by its scope like any other.',
  })
  @ApiOkResponse({
    description:
      '`{ checked, verdict: { reason, scope, transient, remedy } | null, connection }`; `checked` is false when the network offers no check',
  })
  async check(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const connection = await this.connections.getToActOn(principal, id);
    const outcome = await this.checks.connection(connection);
    return {
      checked: outcome.checked,
      verdict: outcome.checked ? (outcome.verdict ?? null) : null,
      connection: connectionView(await this.connections.get(principal, id)),
    };
  }

  @Post(':id/errors')
  @HttpCode(200)
  @ApiKeyAuth('CONNECTION_NOT_FOUND')
  @ApiJsonBody(reportedError)
  @ApiOperation({
    summary: 'Report an error the network returned while using the token',
    description:
      'Classified by the provider. Its `scope` says how far it reaches: `grant` (every connection of the authorization), `account` (this connection) or `resource` (one object: recorded, no status changes); `actor` says who must act. A permanent reason changes the status at once, unless the response alone cannot tell (`needsConfirmation`, or a network that answers an expired token and a revoked one alike): then Tether renews or runs the health check for this connection first and applies what that finds. `confirmation` says how that went (`not_needed`, `confirmed` with `confirmedVerdict`, `not_confirmed`: nothing ended, `unavailable`).',
  })
  @ApiOkResponse({
    description:
      '`{ reason, scope, transient, remedy, actor, needsConfirmation, confirmation, confirmedVerdict, connection }`',
  })
  @ApiProblems('INVALID_REQUEST')
  async report(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(reportedError)) input: z.output<typeof reportedError>,
  ) {
    const connection = await this.connections.getToActOn(principal, id);
    const headers = Object.fromEntries(
      Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const verdict = await this.reported.report(connection, {
      status: input.status,
      headers,
      body: input.body,
    });
    return { ...verdict, connection: connectionView(await this.connections.get(principal, id)) };
  }
}
