import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { Connection, type ConnectionStatus, Grant } from '@tether/persistence';
import {
  type ErrorClassification,
  ProviderRequestError,
  type RawResponse,
  renewTokens,
} from '@tether/provider-sdk';
import { recordEvent } from '../connections/audit-trail';
import { changeStatus } from '../connections/status-transition';
import { hardExpiry, setHardExpiry } from '../connections/hard-expiry';
import { TokenVault } from '../connections/token-vault';
import { DomainError } from '../domain-error';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import {
  backoffSeconds,
  DEGRADED_AFTER_FAILURES,
  nextCheckAt,
  needsRefresh,
  schedule,
} from './lifecycle-policy';
import { LifecycleMetrics } from './lifecycle-metrics';
import { ProviderSlots } from './provider-slots';

const UNEXPECTED_FAILURE_PAUSE_MS = 5 * 60_000;
const LEASE_POLL_MS = 50;

/** A refresh or check that could not be done, with the network's verdict. */
export class LifecycleFailure extends Error {
  constructor(readonly classification: ErrorClassification) {
    super(classification.reason);
  }
}

/**
 * Renews tokens and checks their health, one instance and one call at a time per grant:
 * callers in this process share one in-flight refresh, and instances coordinate through a lease
 * on the grant row (owner and expiry, released only by its owner). New tokens are stored before
 * anything else happens; a lost answer is treated as a possibly spent refresh token.
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger('Lifecycle');
  /** This instance's name on leases. */
  readonly instanceId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly inflight = new Map<string, Promise<void>>();
  /** Calls to one network at once from this instance. */
  private readonly slots = new ProviderSlots(4);

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly vault: TokenVault,
    private readonly metrics: LifecycleMetrics,
    @Inject(TETHER_CONFIG) config: TetherConfig,
  ) {
    this.leaseMs = config.leaseSeconds * 1000;
  }

  /** How long a claim on a grant holds. */
  readonly leaseMs: number;

  /** Renews a grant's tokens if they are due (or `force`), sharing the work with concurrent callers. */
  refresh(grantId: string, options: { force?: boolean } = {}): Promise<void> {
    const running = this.inflight.get(grantId);
    if (running) return running;
    const work = this.withLease(grantId, 'refresh', (grant, em, startedAt) =>
      this.refreshLeased(grant, em, startedAt, options.force ?? false),
    ).finally(() => this.inflight.delete(grantId));
    this.inflight.set(grantId, work);
    return work;
  }

  /** Runs the provider's health check on a grant that is due. */
  check(grantId: string): Promise<void> {
    return this.withLease(grantId, 'check', (grant, em) => this.checkLeased(grant, em));
  }

  /**
   * Runs work on a grant under its lease. The per-network slot is taken first, so time spent
   * waiting for one never eats into the lease; network calls time out well inside the lease.
   * Anything unexpected reschedules the grant with a pause instead of leaving it due forever.
   */
  private async withLease(
    grantId: string,
    kind: 'refresh' | 'check',
    work: (grant: Grant, em: EntityManager, startedAt: Date) => Promise<void>,
  ): Promise<void> {
    const row = await this.em.fork().findOne(Grant, { id: grantId }, { fields: ['provider'] });
    if (!row) return;
    await this.slots.run(row.provider, async () => {
      try {
        await this.leased(grantId, work);
      } catch (error) {
        if (error instanceof LifecycleFailure || error instanceof DomainError) throw error;
        this.logger.error(
          `${kind} of grant ${grantId} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        const retryAt = new Date(Date.now() + UNEXPECTED_FAILURE_PAUSE_MS);
        await this.em
          .fork()
          .nativeUpdate(
            Grant,
            { id: grantId },
            kind === 'refresh' ? { nextRefreshAt: retryAt } : { nextCheckAt: retryAt },
          );
        throw error;
      }
    });
  }

  private async leased(
    grantId: string,
    work: (grant: Grant, em: EntityManager, startedAt: Date) => Promise<void>,
  ): Promise<void> {
    const startedAt = new Date();
    const owner = `${this.instanceId}:${randomUUID()}`;
    const deadline = Date.now() + this.leaseMs + 5_000;
    for (;;) {
      const now = new Date();
      const acquired = await this.em
        .fork()
        .nativeUpdate(
          Grant,
          { id: grantId, $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: now } }] },
          { leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + this.leaseMs) },
        );
      if (acquired === 1) break;
      // Another instance holds it: wait for its result rather than spending the refresh token again.
      if (Date.now() > deadline)
        throw new DomainError('SERVICE_UNAVAILABLE', 'The connection is busy; try again.');
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    }
    const em = this.em.fork();
    try {
      const grant = await em.findOne(Grant, { id: grantId });
      if (grant) await work(grant, em, startedAt);
    } finally {
      await this.em.fork().nativeUpdate(
        Grant,
        { id: grantId, leaseOwner: owner },
        {
          leaseOwner: null,
          leaseExpiresAt: null,
        },
      );
    }
  }

  private active(grant: Grant): ActiveProvider | undefined {
    return this.registry.list().find((candidate) => candidate.id === grant.provider);
  }

  private async refreshLeased(
    grant: Grant,
    em: EntityManager,
    startedAt: Date,
    force: boolean,
  ): Promise<void> {
    const active = this.active(grant);
    const tokens = this.vault.grantTokens(grant);
    const renewable =
      active?.provider.refresh.kind === 'extend' ||
      (active?.provider.refresh.kind === 'refresh_token' && tokens?.refreshToken !== undefined);
    if (!active?.client || !tokens || !renewable) {
      // Nothing here can renew it (no credentials, no tokens, or only the person can): stop asking.
      grant.nextRefreshAt = undefined;
      await em.flush();
      return;
    }
    const now = new Date();
    // Someone else renewed it while this caller waited.
    if (grant.lastRefreshedAt && grant.lastRefreshedAt >= startedAt) return;
    if (!force && !needsRefresh(active.provider, grant, now)) return;
    const context = { runtime: active.runtime, client: active.client };
    if (grant.refreshOutcomeUnknown && active.provider.healthCheck) {
      // The last refresh may have reached the network: check the stored token before spending the refresh token.
      const stillWorks = await active.provider.healthCheck.run(tokens, context).then(
        (result) => result.ok,
        () => false,
      );
      grant.refreshOutcomeUnknown = false;
      if (stillWorks && !force && grant.accessTokenExpiresAt && grant.accessTokenExpiresAt > now) {
        schedule(active.provider, grant, now);
        await em.flush();
        return;
      }
    }
    const outcome = await this.renew(grant, em, active);
    if (!outcome.ok) {
      let verdict = outcome.error.classification;
      if (!verdict.transient && active.provider.healthCheck) {
        // Token endpoints rarely say why a grant ended; the API often does (password, role, checkpoint).
        const probe = await active.provider.healthCheck.run(tokens, context).catch(() => undefined);
        const specific =
          probe && !probe.ok
            ? active.provider.classifyError(probe.response, { now: new Date() })
            : undefined;
        if (specific && !specific.transient && specific.reason !== 'access_token_expired')
          verdict = specific;
      }
      await this.failed(grant, em, active, verdict, 'refresh');
      throw new LifecycleFailure(verdict);
    }
  }

  /**
   * Calls the network for new tokens and stores them before anything else happens. A failure is
   * returned, not applied: the caller decides which verdict counts.
   */
  private async renew(
    grant: Grant,
    em: EntityManager,
    active: ActiveProvider,
  ): Promise<{ ok: true } | { ok: false; error: ProviderRequestError }> {
    const tokens = this.vault.grantTokens(grant)!;
    const started = performance.now();
    try {
      const renewed = await renewTokens(
        active.provider,
        { runtime: active.runtime, client: active.client! },
        tokens,
      );
      this.vault.storeGrantTokens(grant, renewed);
      Object.assign(grant, {
        lastRefreshedAt: new Date(),
        failureCount: 0,
        refreshOutcomeUnknown: false,
      });
      schedule(active.provider, grant, new Date());
      // The new tokens are stored before anything else happens: a rotated refresh token must not be lost.
      await em.flush();
      this.metrics.refreshed(active.id, 'success', undefined, performance.now() - started);
      for (const connection of await em.find(Connection, { grant })) {
        recordEvent(em, {
          workspaceId: connection.workspace.id,
          connectionId: connection.id,
          type: 'connection.refreshed',
          actor: 'system',
          data: { accessTokenExpiresAt: grant.accessTokenExpiresAt?.toISOString() ?? null },
        });
        setHardExpiry(connection, hardExpiry(active.provider, grant, connection));
        if (connection.status === 'degraded' || connection.status === 'expiring') {
          changeStatus(em, connection, 'active', { actor: 'system' });
        }
      }
      await em.flush();
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

  private async checkLeased(grant: Grant, em: EntityManager): Promise<void> {
    const active = this.active(grant);
    const tokens = this.vault.grantTokens(grant);
    const check = active?.provider.healthCheck;
    if (!active?.client || !tokens || !check) {
      grant.nextCheckAt = undefined;
      await em.flush();
      return;
    }
    const context = { runtime: active.runtime, client: active.client };
    let result: { ok: true } | { ok: false; response: RawResponse };
    try {
      result = await check.run(tokens, context);
    } catch (error) {
      result = {
        ok: false,
        response:
          error instanceof ProviderRequestError && error.response
            ? error.response
            : { status: 0, headers: {}, body: null },
      };
    }
    grant.nextCheckAt = nextCheckAt(active.provider, new Date());
    if (result.ok) {
      await this.healthy(grant, em);
      return;
    }
    const classification = active.provider.classifyError(result.response, { now: new Date() });
    const renewable =
      active.provider.refresh.kind === 'extend' ||
      (active.provider.refresh.kind === 'refresh_token' && tokens.refreshToken !== undefined);
    if (
      renewable &&
      (!classification.transient || classification.reason === 'access_token_expired')
    ) {
      // A token that merely ran out is renewed, not declared revoked.
      const renewal = await this.renew(grant, em, active);
      if (renewal.ok) {
        // The grant is alive; what the check says now is what counts.
        const again = await check
          .run(this.vault.grantTokens(grant)!, context)
          .catch(() => ({ ok: false as const, response: { status: 0, headers: {}, body: null } }));
        if (again.ok) await this.healthy(grant, em);
        else
          await this.failed(
            grant,
            em,
            active,
            active.provider.classifyError(again.response, { now: new Date() }),
            'health check',
          );
        return;
      }
      if (renewal.error.classification.transient) {
        // The network could not answer the refresh: nothing is certain yet.
        await this.failed(grant, em, active, renewal.error.classification, 'health check');
        return;
      }
    }
    await this.failed(grant, em, active, classification, 'health check');
  }

  private async healthy(grant: Grant, em: EntityManager): Promise<void> {
    grant.failureCount = 0;
    for (const connection of await em.find(Connection, { grant, status: 'degraded' })) {
      changeStatus(em, connection, 'active', { actor: 'system' });
    }
    await em.flush();
  }

  /** Applies a classified failure: transient ones back off and degrade after a few; permanent ones end the connections once. */
  private async failed(
    grant: Grant,
    em: EntityManager,
    active: ActiveProvider,
    verdict: ErrorClassification,
    during: string,
  ): Promise<void> {
    const connections = await em.find(Connection, { grant });
    // The app's own credentials being refused is the operator's to fix, not the account owner's:
    // keep retrying and show the connections degraded rather than ending them.
    const operatorProblem = verdict.reason === 'app_misconfigured';
    if (verdict.transient || operatorProblem) {
      grant.failureCount += 1;
      const wait = backoffSeconds(grant.failureCount, verdict.retryAfterSeconds);
      const retryAt = new Date(Date.now() + wait * 1000);
      if (during === 'refresh') grant.nextRefreshAt = retryAt;
      else grant.nextCheckAt = retryAt;
      if (grant.failureCount >= DEGRADED_AFTER_FAILURES || operatorProblem) {
        for (const connection of connections.filter(
          (c) => c.status === 'active' || c.status === 'expiring',
        )) {
          changeStatus(em, connection, 'degraded', {
            reason: verdict.reason,
            remedy: verdict.remedy,
            actor: 'system',
            data: { during, failures: grant.failureCount },
          });
        }
      }
      await em.flush();
      return;
    }
    const to: ConnectionStatus = verdict.reason === 'token_expired' ? 'expired' : 'revoked';
    for (const connection of connections) {
      changeStatus(em, connection, to, {
        reason: verdict.reason,
        remedy: verdict.remedy,
        actor: 'system',
        data: { during },
      });
    }
    grant.nextRefreshAt = undefined;
    grant.nextCheckAt = undefined;
    await em.flush();
  }

  /** A caller reports an error the network returned: permanent reasons apply at once. */
  async report(connection: Connection, response: RawResponse): Promise<ErrorClassification> {
    const active = this.registry.get(connection.provider);
    const verdict = active.provider.classifyError(response, { now: new Date() });
    const renewable =
      active.provider.refresh.kind === 'refresh_token' || active.provider.refresh.kind === 'extend';
    if (verdict.reason === 'access_token_expired' && renewable) {
      // The caller's token ran out: renew it now rather than at the scheduled time.
      await this.refresh(connection.grant.id, { force: true }).catch(() => undefined);
      return verdict;
    }
    if (verdict.transient) {
      this.logger.log(`Transient ${verdict.reason} reported for connection ${connection.id}`);
      return verdict;
    }
    const em = this.em.fork();
    const grant = await em.findOneOrFail(Grant, { id: connection.grant.id });
    await this.failed(grant, em, active, verdict, 'reported error');
    return verdict;
  }
}
