import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { needsRefresh, renewableWithoutPerson, renewalBackoffUntil } from '@tether/core';
import type { Grant } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { grantState, hasOwnToken } from '../connections/connection-state';
import { ConnectionsService } from '../connections/connections.service';
import { TokenVault } from '../connections/token-vault';
import { connectionSchema, connectionView } from '../connections/views';
import { DomainError } from '../domain-error';
import { schemaRef } from '../http/api-schemas';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { ZodPipe } from '../http/zod-body.pipe';
import { CurrentPrincipal, type Principal, RequireScope } from '../identity/principal';
import { ProviderRegistry } from '../providers/provider-registry';
import { HealthChecks } from './health-checks';
import { LifecycleFailure } from './lifecycle-failure';
import { NetworkBreakers } from './network-breakers';
import { ReportedErrors } from './reported-errors';
import { TokenRenewal } from './token-renewal';
import { accessTokenSchema, checkResultSchema, reportedErrorSchema } from './token-schemas';

/** Retry-After of a token that could not be renewed when nothing says when it will be tried again. */
const UNKNOWN_RETRY_AFTER_SECONDS = 30;

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
    private readonly breakers: NetworkBreakers,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Until when the grant's renewal must wait, or `undefined` when it may be tried now: the
   * grant backs off after failures of its own, and its network's breaker may hold calls back.
   */
  private renewalWaitsUntil(
    grant: Pick<Grant, 'provider' | 'failureCount' | 'nextRefreshAt'>,
  ): Date | undefined {
    const now = this.clock.now();
    const network = this.breakers.peek(grant.provider);
    const waits = [
      renewalBackoffUntil(grant, now),
      network.kind === 'wait' ? network.until : undefined,
    ].filter((at) => at !== undefined);
    return waits.length > 0 ? new Date(Math.max(...waits.map((at) => at.getTime()))) : undefined;
  }

  /** 503 with Retry-After: when the renewal is tried again, as far as anyone knows. */
  private notRenewedYet(
    grant: Pick<Grant, 'provider' | 'failureCount' | 'nextRefreshAt'>,
    provider: string,
  ): DomainError {
    const until = this.renewalWaitsUntil(grant);
    const seconds = until
      ? Math.max(1, Math.ceil((until.getTime() - this.clock.now().getTime()) / 1000))
      : UNKNOWN_RETRY_AFTER_SECONDS;
    return new DomainError(
      'SERVICE_UNAVAILABLE',
      `The ${provider} token could not be renewed yet; Tether keeps retrying. Try again in ${seconds} s.`,
      undefined,
      { retryAfterSeconds: seconds },
    );
  }

  /** 503 with Retry-After while the network's breaker holds calls back. */
  private ensureNetworkAnswers(provider: string): void {
    const network = this.breakers.peek(provider);
    if (network.kind !== 'wait') return;
    const seconds = Math.max(
      1,
      Math.ceil((network.until.getTime() - this.clock.now().getTime()) / 1000),
    );
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      `${provider} is failing calls from many connections (rate limits or outages); Tether holds calls back and probes it again in ${seconds} s.`,
      undefined,
      { retryAfterSeconds: seconds },
    );
  }

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
      'Refreshed first (once, however many callers ask) when inside its lead time, unless the renewal is backing off after failures or the network’s circuit breaker holds calls back: then the stored token is served while it is valid. Never an expired token: without a valid one, 503 with `Retry-After` (seconds until the next attempt).',
  })
  @ApiOkResponse({ description: 'The token', schema: schemaRef(accessTokenSchema) })
  async token(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<z.infer<typeof accessTokenSchema>> {
    let connection = await this.connections.tokenSource(principal, id);
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
    if (
      needsRefresh(active.provider.refresh, grantState(connection.grant), this.clock.now()) &&
      !this.renewalWaitsUntil(connection.grant)
    ) {
      try {
        await this.renewal.refresh(connection.grant.id);
      } catch (error) {
        if (!(error instanceof LifecycleFailure)) throw error;
      }
      connection = await this.connections.tokenSource(principal, id);
      if (connection.status === 'expired' || connection.status === 'revoked')
        throw this.needsReauthorization(connection);
    }
    const tokens = this.vault.grantAccessToken(connection.grant);
    const expiresAt = connection.grant.accessTokenExpiresAt;
    if (!tokens || (expiresAt && expiresAt.getTime() <= this.clock.now().getTime()))
      throw this.notRenewedYet(connection.grant, connection.provider);
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
  @ApiOkResponse({
    description: 'The connection after the refresh or check',
    schema: schemaRef(connectionSchema),
  })
  async refresh(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const connection = await this.connections.getToActOn(principal, id);
    if (connection.status === 'expired' || connection.status === 'revoked')
      throw this.needsReauthorization(connection);
    const { provider } = this.registry.get(connection.provider);
    this.ensureNetworkAnswers(connection.provider);
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
  @ApiOkResponse({ description: 'What the check found', schema: schemaRef(checkResultSchema) })
  async check(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<z.infer<typeof checkResultSchema>> {
    const connection = await this.connections.getToActOn(principal, id);
    this.ensureNetworkAnswers(connection.provider);
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
    description: 'The classification and what confirming it found',
    schema: schemaRef(reportedErrorSchema),
  })
  @ApiProblems('INVALID_REQUEST')
  async report(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(reportedError)) input: z.output<typeof reportedError>,
  ): Promise<z.infer<typeof reportedErrorSchema>> {
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
