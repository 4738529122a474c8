import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, Grant } from '@tether/persistence';
import { renewableWithoutPerson, reportedErrorHandling } from '@tether/core';
import type { ErrorClassification, RawResponse } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { grantState, hasOwnToken } from '../connections/connection-state';
import { ProviderRegistry } from '../providers/provider-registry';
import { HealthChecks } from './health-checks';
import { LifecycleFailure } from './lifecycle-failure';
import { TokenRenewal } from './token-renewal';
import { VerdictApplier } from './verdict-applier';

/**
 * How a reported error was confirmed:
 * - `not_needed`: the response said enough, and its verdict was applied as it stands;
 * - `confirmed`: a renewal or health check failed too, and what it found was applied
 *   (`confirmedVerdict`);
 * - `not_confirmed`: the renewal or check worked: nothing ended;
 * - `unavailable`: nothing could confirm it (no check, or the network did not answer); an
 *   ambiguous verdict then ends nothing, an expiry claim is taken at its word.
 */
type Confirmation = 'not_needed' | 'confirmed' | 'not_confirmed' | 'unavailable';

/** The reported error's classification, and what confirming it found. */
export type ReportedError = ErrorClassification & {
  readonly confirmation: Confirmation;
  /** What the renewal or check found and applied instead of the report, when it failed too. */
  readonly confirmedVerdict: ErrorClassification | null;
};

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
   * Classifies a reported error and handles it as @tether/core's `reportedErrorHandling` says:
   * a resource verdict is recorded and changes no status; one the response alone cannot settle
   * is confirmed (renew where the network renews, else the health check, with the account named
   * when the provider asked for confirmation) and what that finds decides; other permanent ones
   * apply at once.
   */
  async report(connection: Connection, response: RawResponse): Promise<ReportedError> {
    const active = this.registry.get(connection.provider);
    const verdict = active.provider.classifyError(response, { now: this.clock.now() });
    const renewable =
      !hasOwnToken(connection) &&
      renewableWithoutPerson(active.provider.refresh, grantState(connection.grant));
    const handling = reportedErrorHandling(verdict, renewable);
    const answer = (confirmation: Confirmation, found?: ErrorClassification): ReportedError => ({
      ...verdict,
      confirmation,
      confirmedVerdict: found ?? null,
    });
    switch (handling.kind) {
      case 'retry':
        this.logger.log(`Transient ${verdict.reason} reported for connection ${connection.id}`);
        return answer('not_needed');
      case 'apply':
        await this.apply(connection, verdict, response);
        return answer('not_needed');
      case 'confirm': {
        if (handling.by === 'renew') {
          // Whatever the renewal met, the refresh has applied it; a transient one only backs off.
          const renewed = await this.renew(connection);
          if (!renewed) return answer('not_confirmed');
          return answer(renewed.transient ? 'unavailable' : 'confirmed', renewed);
        }
        const found = verdict.needsConfirmation
          ? await this.checks.confirmAccount(connection.id)
          : await this.checks.connection(connection);
        if (found.checked && !found.verdict) return answer('not_confirmed');
        if (found.checked && found.verdict && !found.verdict.transient)
          return answer('confirmed', found.verdict);
        // Nothing could confirm it: the report is all there is.
        if (handling.otherwise === 'apply') await this.apply(connection, verdict, response);
        return answer('unavailable', found.checked ? found.verdict : undefined);
      }
    }
  }

  /** Renews the grant: nothing when it worked, else the refusal the refresh has applied. */
  private async renew(connection: Connection): Promise<ErrorClassification | undefined> {
    try {
      await this.renewal.refresh(connection.grant.id, { force: true });
      return undefined;
    } catch (error) {
      if (!(error instanceof LifecycleFailure)) throw error;
      return error.classification;
    }
  }

  private async apply(
    connection: Connection,
    verdict: ErrorClassification,
    response: RawResponse,
  ): Promise<void> {
    const em = this.em.fork();
    const grant = await em.findOneOrFail(Grant, { id: connection.grant.id });
    const seenOn = await em.findOneOrFail(Connection, { id: connection.id });
    await this.verdicts.apply(em, grant, verdict, 'reported error', seenOn, response);
  }
}
