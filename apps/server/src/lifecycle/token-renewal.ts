import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, Grant, isDatabaseUnreachable } from '@tether/persistence';
import {
  needsRefresh,
  refreshTokenEndAfterRenewal,
  refusedRefreshVerdict,
  renewableWithoutPerson,
} from '@tether/core';
import {
  type ErrorClassification,
  ProviderRequestError,
  renewTokens,
  type TokenSet,
} from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { recordEvent } from '../connections/audit-trail';
import { grantState, scheduleGrant, setHardExpiry } from '../connections/connection-state';
import { TokenVault } from '../connections/token-vault';
import { DomainError } from '../domain-error';
import { loggableMessage } from '../logging/loggable-error';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import type { HeldLease } from './grant-lease';
import { GrantWork } from './grant-work';
import { probe } from './health-probe';
import { LifecycleFailure } from './lifecycle-failure';
import { LifecycleMetrics } from './lifecycle-metrics';
import { VerdictApplier } from './verdict-applier';

/** How a renewal went. */
export type Renewal =
  | {
      /** Stored; or, when `superseded`, newer tokens were stored meanwhile and kept. */
      readonly ok: true;
      readonly superseded?: boolean;
    }
  | {
      readonly ok: false;
      /** The network's refusal, not yet applied. */
      readonly error: ProviderRequestError;
      /** Whose fault the refusal is, given what a check with the stored token said. */
      readonly refusedVerdict: (check?: ErrorClassification) => ErrorClassification;
    };

/** The columns a renewal writes: the token set and what is scheduled from it. */
export const RENEWED_COLUMNS = [
  'accessToken',
  'accessTokenExpiresAt',
  'refreshToken',
  'refreshTokenExpiresAt',
  'tokenSecret',
  'grantedScopes',
  'lastRefreshedAt',
  'nextRefreshAt',
  'nextCheckAt',
  'tokenGeneration',
  'refreshStartedAt',
  'updatedAt',
] as const satisfies readonly (keyof Grant)[];

const SAVE_RETRY_FIRST_MS = 100;
const SAVE_RETRY_MAX_MS = 5_000;

/**
 * Renews a grant's tokens, one call at a time: callers in this process share one in-flight
 * refresh, and instances take turns through the grant's lease. A refresh is announced on the
 * grant before its call goes out and settled when its answer is stored, so a refresh whose
 * outcome is unknown (lost answer, crash, interrupted save) is known to every instance. New
 * tokens are saved with a compare-and-set on the grant's token generation, retried until the
 * save lands: a rotated refresh token is never thrown away, and never overwrites newer tokens.
 */
@Injectable()
export class TokenRenewal {
  private readonly logger = new Logger('Lifecycle');
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
      .run(grantId, { kind: 'refresh' }, (grant, em, held) =>
        this.refreshLeased(grant, em, held, options.force ?? false),
      )
      .finally(() => this.inflight.delete(grantId));
    this.inflight.set(grantId, work);
    return work;
  }

  private async refreshLeased(
    grant: Grant,
    em: EntityManager,
    held: HeldLease,
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
    if (grant.lastRefreshedAt && grant.lastRefreshedAt >= held.startedAt) return;
    if (!force && !needsRefresh(active.provider.refresh, grantState(grant), now)) return;
    if (grant.refreshStartedAt && active.provider.healthCheck) {
      // The last refresh may have reached the network: check the stored token before spending
      // the refresh token. A token that still works needs no refresh yet.
      const stillWorks = (await probe(active, tokens))?.ok === true;
      if (stillWorks && !force && grant.accessTokenExpiresAt && grant.accessTokenExpiresAt > now) {
        scheduleGrant(active.provider, grant, now);
        await em.flush();
        return;
      }
    }
    const outcome = await this.renew(grant, em, active, held);
    if (outcome.ok) return;
    await this.applyRefusal(grant, em, active, tokens, outcome);
  }

  /**
   * Applies a refused renewal: a permanent refusal is checked against what the stored token
   * still does before anyone is blamed. Throws the `LifecycleFailure` it recorded.
   */
  async applyRefusal(
    grant: Grant,
    em: EntityManager,
    active: ActiveProvider,
    tokens: TokenSet,
    outcome: Extract<Renewal, { ok: false }>,
  ): Promise<never> {
    let verdict = outcome.error.classification;
    let response = outcome.error.response;
    if (!verdict.transient) {
      // Token endpoints rarely say why a grant ended; the API often does (password, role, checkpoint).
      const checked = await probe(active, tokens);
      const check =
        checked && !checked.ok
          ? active.provider.classifyError(checked.response, { now: this.clock.now() })
          : undefined;
      verdict = outcome.refusedVerdict(check);
      if (verdict === check && checked && !checked.ok) response = checked.response;
    }
    await this.verdicts.apply(em, grant, verdict, 'refresh', undefined, response);
    throw new LifecycleFailure(verdict);
  }

  /**
   * Calls the network for new tokens and saves them before anything else happens. A refusal is
   * returned, not applied: the caller decides which verdict counts. When the refusal came because
   * newer tokens were stored meanwhile (another instance's late save), it retries once with them.
   * Runs under the grant's lease.
   */
  async renew(
    grant: Grant,
    em: EntityManager,
    active: ActiveProvider,
    held: HeldLease,
  ): Promise<Renewal> {
    for (let attempt = 0; ; attempt++) {
      const readGeneration = grant.tokenGeneration;
      // An earlier refresh of these tokens whose answer was never stored (the column reads back
      // as null, not undefined).
      const unsettledSince = grant.refreshStartedAt ?? undefined;
      await this.announce(grant, em, held);
      const outcome = await this.call(grant, em, active, readGeneration);
      if (outcome.ok) return outcome;
      const { error } = outcome;
      // The network answered this call, so it did not rotate anything; without an answer the
      // refresh may have reached it, and the announcement stays.
      if (error.response && !unsettledSince) grant.refreshStartedAt = undefined;
      if (
        !error.classification.transient &&
        attempt === 0 &&
        (await this.newerTokensStored(grant, em, readGeneration))
      )
        continue;
      return this.refusal(active, error, unsettledSince);
    }
  }

  /** Whether tokens newer than `readGeneration` were stored meanwhile; `grant` then holds them. */
  async newerTokensStored(
    grant: Grant,
    em: EntityManager,
    readGeneration: number,
  ): Promise<boolean> {
    const stored = await em
      .fork()
      .findOne(Grant, { id: grant.id }, { fields: ['tokenGeneration'] });
    if (!stored || stored.tokenGeneration === readGeneration) return false;
    await em.refresh(grant);
    return true;
  }

  /** A refusal of the network, with the rule that decides whose fault it is once checked. */
  refusal(
    active: ActiveProvider,
    error: ProviderRequestError,
    unsettledSince: Date | undefined,
  ): Extract<Renewal, { ok: false }> {
    const { refresh } = active.provider;
    return {
      ok: false,
      error,
      refusedVerdict: (check) => {
        const verdict = refusedRefreshVerdict({
          refusal: error.classification,
          ...(check ? { check } : {}),
          rotates: refresh.kind === 'refresh_token' && refresh.rotates,
          earlierRefreshUnsettled: unsettledSince !== undefined,
        });
        if (verdict.reason === 'token_lost') this.metrics.tokenLost(active.id);
        return verdict;
      },
    };
  }

  /**
   * Records, before the call goes out, that a refresh of the current tokens is under way. It
   * lands only while this caller holds the lease and the tokens are the ones it read; an earlier
   * unsettled refresh keeps its time.
   */
  private async announce(grant: Grant, em: EntityManager, held: HeldLease): Promise<void> {
    const startedAt = grant.refreshStartedAt ?? this.clock.now();
    const announced = await em
      .fork()
      .nativeUpdate(
        Grant,
        { id: grant.id, leaseOwner: held.owner, tokenGeneration: grant.tokenGeneration },
        { refreshStartedAt: startedAt },
      );
    if (announced !== 1)
      throw new DomainError('SERVICE_UNAVAILABLE', 'The connection is busy; try again.');
    grant.refreshStartedAt = startedAt;
    // What the row now holds: nothing left for a later flush to write.
    em.getUnitOfWork().merge(grant);
  }

  private async call(
    grant: Grant,
    em: EntityManager,
    active: ActiveProvider,
    readGeneration: number,
  ): Promise<{ ok: true; superseded?: boolean } | { ok: false; error: ProviderRequestError }> {
    const started = performance.now();
    const answer = await this.callNetwork(active, this.vault.grantTokens(grant)!);
    if (!answer.ok) return answer;
    const now = this.clock.now();
    this.takeRenewed(grant, active, answer.renewed, now);
    if (!(await this.save(grant, em, readGeneration))) {
      this.metrics.refreshed(active.id, 'success', 'superseded', performance.now() - started);
      return { ok: true, superseded: true };
    }
    this.metrics.refreshed(active.id, 'success', undefined, performance.now() - started);
    for (const connection of await em.find(Connection, { grant }))
      this.recordRenewed(em, active, grant, connection, now);
    await this.verdicts.healthy(em, grant, 'renewed');
    return { ok: true };
  }

  /** Asks the network for new tokens; a refusal is counted and returned. */
  async callNetwork(
    active: ActiveProvider,
    tokens: TokenSet,
  ): Promise<{ ok: true; renewed: TokenSet } | { ok: false; error: ProviderRequestError }> {
    const started = performance.now();
    try {
      const renewed = await renewTokens(
        active.provider,
        ProviderRegistry.callContext(active, active.client!),
        tokens,
      );
      return { ok: true, renewed };
    } catch (error) {
      if (!(error instanceof ProviderRequestError)) throw error;
      this.metrics.refreshed(
        active.id,
        'failure',
        error.classification.reason,
        performance.now() - started,
      );
      return { ok: false, error };
    }
  }

  /** Records on one connection that its grant's tokens were renewed; its hard expiry follows. */
  recordRenewed(
    em: EntityManager,
    active: ActiveProvider,
    grant: Grant,
    connection: Connection,
    now: Date,
  ): void {
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

  /** Seals renewed tokens on `grant` as its next generation and schedules what follows. */
  takeRenewed(grant: Grant, active: ActiveProvider, renewed: TokenSet, now: Date): void {
    // A fixed end stays where the first grant put it, whatever the response left out.
    const refreshTokenExpiresAt = refreshTokenEndAfterRenewal(
      active.provider,
      grant.refreshTokenExpiresAt ?? undefined,
      renewed.refreshTokenExpiresAt,
    );
    this.vault.storeGrantTokens(
      grant,
      { ...renewed, ...(refreshTokenExpiresAt ? { refreshTokenExpiresAt } : {}) },
      now,
    );
    grant.lastRefreshedAt = now;
    scheduleGrant(active.provider, grant, now);
  }

  /**
   * Saves renewed tokens (already sealed on `grant`) if the stored generation is still the one
   * they were renewed from, retrying while the database cannot be reached: the network may have
   * rotated the refresh token, and these are then the only tokens that work. `false` when newer
   * tokens were stored meanwhile (they are kept, and `grant` is reloaded with them).
   */
  async save(grant: Grant, em: EntityManager, readGeneration: number): Promise<boolean> {
    const values = Object.fromEntries(
      RENEWED_COLUMNS.map((column) => [column, grant[column] ?? null]),
    );
    return this.untilSaved(`grant ${grant.id}`, async () => {
      const written = await em
        .fork()
        .nativeUpdate(Grant, { id: grant.id, tokenGeneration: readGeneration }, values);
      if (written === 1) {
        em.getUnitOfWork().merge(grant);
        return true;
      }
      // Not at that generation: this save landed already (its answer was lost), or another
      // writer stored newer tokens.
      const stored = await em
        .fork()
        .findOne(Grant, { id: grant.id }, { fields: ['accessToken', 'tokenGeneration'] });
      if (stored && stored.accessToken === grant.accessToken) {
        em.getUnitOfWork().merge(grant);
        return true;
      }
      this.logger.warn(
        `Renewed tokens of grant ${grant.id} not saved: newer tokens (generation ${stored?.tokenGeneration ?? 'none'}) were stored meanwhile`,
      );
      if (stored) await em.refresh(grant);
      return false;
    });
  }

  /**
   * Runs a save of renewed tokens until it gets through: while the database cannot be reached it
   * is retried with a growing pause (the tokens may be the only ones that work); any other error
   * is thrown.
   */
  async untilSaved<T>(what: string, save: () => Promise<T>): Promise<T> {
    for (let delay = SAVE_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, SAVE_RETRY_MAX_MS)) {
      try {
        return await save();
      } catch (error) {
        if (!isDatabaseUnreachable(error)) throw error;
        this.metrics.saveRetried();
        this.logger.warn(
          `Saving renewed tokens of ${what} failed (${loggableMessage(error)}); retrying in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
