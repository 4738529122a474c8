import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { Connection, type Grant } from '@tether/persistence';
import { needsRefresh, refreshTokenEndAfterRenewal, renewableWithoutPerson } from '@tether/core';
import { ProviderRequestError, renewTokens } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { recordEvent } from '../connections/audit-trail';
import { grantState, scheduleGrant, setHardExpiry } from '../connections/connection-state';
import { TokenVault } from '../connections/token-vault';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { GrantWork } from './grant-work';
import { probe } from './health-probe';
import { LifecycleFailure } from './lifecycle-failure';
import { LifecycleMetrics } from './lifecycle-metrics';
import { VerdictApplier } from './verdict-applier';

/** How a renewal went: stored, or the network's refusal (not yet applied). */
export type Renewal = { ok: true } | { ok: false; error: ProviderRequestError };

/**
 * Renews a grant's tokens, one call at a time: callers in this process share one in-flight
 * refresh, and instances take turns through the grant's lease. New tokens are stored before
 * anything else happens; a lost answer is treated as a possibly spent refresh token.
 */
@Injectable()
export class TokenRenewal {
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly vault: TokenVault,
    private readonly metrics: LifecycleMetrics,
    private readonly work: GrantWork,
    private readonly verdicts: VerdictApplier,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Renews a grant's tokens if they are due (or `force`), sharing the work with concurrent callers. */
  refresh(grantId: string, options: { force?: boolean } = {}): Promise<void> {
    const running = this.inflight.get(grantId);
    if (running) return running;
    const work = this.work
      .run(grantId, { kind: 'refresh' }, (grant, em, startedAt) =>
        this.refreshLeased(grant, em, startedAt, options.force ?? false),
      )
      .finally(() => this.inflight.delete(grantId));
    this.inflight.set(grantId, work);
    return work;
  }

  private async refreshLeased(
    grant: Grant,
    em: EntityManager,
    startedAt: Date,
    force: boolean,
  ): Promise<void> {
    const active = this.registry.find(grant.provider);
    const tokens = this.vault.grantTokens(grant);
    if (
      !active?.client ||
      !tokens ||
      !renewableWithoutPerson(active.provider.refresh, grantState(grant))
    ) {
      // Nothing here can renew it (no credentials, no tokens, or only the person can): stop asking.
      grant.nextRefreshAt = undefined;
      await em.flush();
      return;
    }
    const now = this.clock.now();
    // Someone else renewed it while this caller waited.
    if (grant.lastRefreshedAt && grant.lastRefreshedAt >= startedAt) return;
    if (!force && !needsRefresh(active.provider.refresh, grantState(grant), now)) return;
    if (grant.refreshOutcomeUnknown && active.provider.healthCheck) {
      // The last refresh may have reached the network: check the stored token before spending the refresh token.
      const stillWorks = (await probe(active, tokens))?.ok === true;
      grant.refreshOutcomeUnknown = false;
      if (stillWorks && !force && grant.accessTokenExpiresAt && grant.accessTokenExpiresAt > now) {
        scheduleGrant(active.provider, grant, now);
        await em.flush();
        return;
      }
    }
    const outcome = await this.renew(grant, em, active);
    if (outcome.ok) return;
    let verdict = outcome.error.classification;
    let response = outcome.error.response;
    if (!verdict.transient) {
      // Token endpoints rarely say why a grant ended; the API often does (password, role, checkpoint).
      const checked = await probe(active, tokens);
      const specific =
        checked && !checked.ok
          ? active.provider.classifyError(checked.response, { now: this.clock.now() })
          : undefined;
      if (specific && !specific.transient && specific.reason !== 'access_token_expired') {
        verdict = specific;
        response = checked && !checked.ok ? checked.response : response;
      }
    }
    await this.verdicts.apply(em, grant, verdict, 'refresh', undefined, response);
    throw new LifecycleFailure(verdict);
  }

  /**
   * Calls the network for new tokens and stores them before anything else happens. A failure is
   * returned, not applied: the caller decides which verdict counts. Runs under the grant's lease.
   */
  async renew(grant: Grant, em: EntityManager, active: ActiveProvider): Promise<Renewal> {
    const tokens = this.vault.grantTokens(grant)!;
    const started = performance.now();
    try {
      const renewed = await renewTokens(
        active.provider,
        { runtime: active.runtime, client: active.client! },
        tokens,
      );
      const now = this.clock.now();
      // A fixed end stays where the first grant put it, whatever the response left out.
      const refreshTokenExpiresAt = refreshTokenEndAfterRenewal(
        active.provider,
        grant.refreshTokenExpiresAt ?? undefined,
        renewed.refreshTokenExpiresAt,
      );
      this.vault.storeGrantTokens(
        grant,
        {
          ...renewed,
          ...(refreshTokenExpiresAt ? { refreshTokenExpiresAt } : {}),
        },
        now,
      );
      Object.assign(grant, { lastRefreshedAt: now, refreshOutcomeUnknown: false });
      scheduleGrant(active.provider, grant, now);
      // The new tokens are stored before anything else happens: a rotated refresh token must not be lost.
      await em.flush();
      this.metrics.refreshed(active.id, 'success', undefined, performance.now() - started);
      for (const connection of await em.find(Connection, { grant })) {
        recordEvent(em, {
          workspaceId: connection.workspace.id,
          connectionId: connection.id,
          type: 'connection.refreshed',
          actor: 'system',
          at: now,
          data: { accessTokenExpiresAt: grant.accessTokenExpiresAt?.toISOString() ?? null },
        });
        setHardExpiry(active.provider, grant, connection, now);
      }
      await this.verdicts.healthy(em, grant, 'renewed');
      return { ok: true };
    } catch (error) {
      if (!(error instanceof ProviderRequestError)) throw error;
      this.metrics.refreshed(
        active.id,
        'failure',
        error.classification.reason,
        performance.now() - started,
      );
      // No answer at all: the refresh may have reached the network and spent the refresh token.
      if (!error.response) grant.refreshOutcomeUnknown = true;
      return { ok: false, error };
    }
  }
}
