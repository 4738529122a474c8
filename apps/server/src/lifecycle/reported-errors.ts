import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, Grant } from '@tether/persistence';
import { renewableWithoutPerson } from '@tether/core';
import type { ErrorClassification, RawResponse, Reason } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { grantState, hasOwnToken } from '../connections/connection-state';
import { ProviderRegistry } from '../providers/provider-registry';
import { HealthChecks } from './health-checks';
import { LifecycleFailure } from './lifecycle-failure';
import { TokenRenewal } from './token-renewal';
import { VerdictApplier } from './verdict-applier';

/** Reasons that may only mean the caller's access token ran out. */
const EXPIRY: readonly Reason[] = ['access_token_expired', 'token_expired'];

/**
 * Whether a reported verdict must be confirmed before anything ends. Where tokens renew without
 * the person, an access token running out is routine, and some networks answer it as they answer
 * a revocation (Google and Pinterest: a bare 401): a revocation claim is confirmed by renewing.
 * Where only the person renews, an explicit revocation is taken at its word, but an expiry may be
 * a caller's stale token from before a re-authorization: it is confirmed by a check.
 */
function needsConfirmation(verdict: ErrorClassification, renewable: boolean): boolean {
  if (verdict.scope === 'resource') return false;
  return EXPIRY.includes(verdict.reason) || (renewable && verdict.reason === 'token_revoked');
}

/** Errors callers met while using a connection's token, classified and applied by scope. */
@Injectable()
export class ReportedErrors {
  private readonly logger = new Logger('Lifecycle');

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly renewal: TokenRenewal,
    private readonly checks: HealthChecks,
    private readonly verdicts: VerdictApplier,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Classifies a reported error and applies it: a resource verdict is recorded and changes no
   * status; one that may only mean an expired token is confirmed the way a failed health check
   * is (renew where the network renews, else check) and what that finds decides; other permanent
   * ones apply at once.
   */
  async report(connection: Connection, response: RawResponse): Promise<ErrorClassification> {
    const active = this.registry.get(connection.provider);
    const verdict = active.provider.classifyError(response, { now: this.clock.now() });
    const renewable =
      !hasOwnToken(connection) &&
      renewableWithoutPerson(active.provider.refresh, grantState(connection.grant));
    if (needsConfirmation(verdict, renewable)) {
      await this.confirm(connection, verdict, renewable);
      return verdict;
    }
    if (verdict.transient && verdict.scope !== 'resource') {
      this.logger.log(`Transient ${verdict.reason} reported for connection ${connection.id}`);
      return verdict;
    }
    await this.apply(connection, verdict);
    return verdict;
  }

  private async confirm(
    connection: Connection,
    reported: ErrorClassification,
    renewable: boolean,
  ): Promise<void> {
    if (renewable) {
      try {
        // A renewal proves the grant alive; a refused one is applied by the refresh itself.
        await this.renewal.refresh(connection.grant.id, { force: true });
      } catch (error) {
        if (!(error instanceof LifecycleFailure)) throw error;
      }
      return;
    }
    if ((await this.checks.connection(connection)).checked) return;
    // Nothing can confirm it: the report is all there is.
    if (!reported.transient) await this.apply(connection, reported);
  }

  private async apply(connection: Connection, verdict: ErrorClassification): Promise<void> {
    const em = this.em.fork();
    const grant = await em.findOneOrFail(Grant, { id: connection.grant.id });
    const seenOn = await em.findOneOrFail(Connection, { id: connection.id });
    await this.verdicts.apply(em, grant, verdict, 'reported error', seenOn);
  }
}
