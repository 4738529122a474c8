import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, fencedUpdateMany, Grant, leaseRows, releaseRows } from '@tether/persistence';
import { needsRefresh, renewableWithoutPerson, spreadRetry } from '@tether/core';
import type { ProviderRequestError, TokenSet } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { grantState } from '../connections/connection-state';
import { TokenVault } from '../connections/token-vault';
import { loggableMessage } from '../logging/loggable-error';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { GrantLease, type HeldLease } from './grant-lease';
import { LifecycleFailure } from './lifecycle-failure';
import { LifecycleMetrics } from './lifecycle-metrics';
import { NetworkBreakers } from './network-breakers';
import { RENEWED_COLUMNS, TokenRenewal } from './token-renewal';
import { VerdictApplier } from './verdict-applier';

const UNEXPECTED_FAILURE_PAUSE_MS = 5 * 60_000;

/** A grant of the batch that is renewed the plain way: due, renewable, nothing unsettled. */
interface PlainRenewal {
  readonly grant: Grant;
  readonly active: ActiveProvider;
  readonly tokens: TokenSet;
  readonly readGeneration: number;
}

/**
 * What asking the network gave for one grant; `probe` when the call was the breaker's probe,
 * which ends only once its outcome has been applied.
 */
type Answer = { readonly probe?: boolean } & (
  | { readonly kind: 'renewed'; readonly renewed: TokenSet; readonly ms: number }
  | { readonly kind: 'refused'; readonly error: ProviderRequestError }
  | { readonly kind: 'held back'; readonly until: Date }
  | { readonly kind: 'failed'; readonly error: unknown }
);

/**
 * Renews the grants of one claim together, with the same guarantees as one at a time
 * ({@link TokenRenewal}) but a handful of statements for the whole batch instead of about ten
 * per grant: the leases are taken and the rows read in one statement, the refreshes announced in
 * one, the renewed tokens saved in one fenced write (retried while the database is unreachable),
 * and the events and status changes in one flush. The network calls run side by side within
 * each network's in-flight limit. Refusals are settled grant by grant as usual, and any grant
 * that is not a plain renewal (leased by someone else, an unsettled earlier refresh, nothing
 * due) is handed to {@link TokenRenewal.refresh}.
 */
@Injectable()
export class BatchRenewal {
  private readonly logger = new Logger('Lifecycle');

  constructor(
    private readonly em: EntityManager,
    private readonly renewal: TokenRenewal,
    private readonly lease: GrantLease,
    private readonly registry: ProviderRegistry,
    private readonly breakers: NetworkBreakers,
    private readonly vault: TokenVault,
    private readonly verdicts: VerdictApplier,
    private readonly metrics: LifecycleMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async refreshMany(grantIds: readonly string[]): Promise<void> {
    const em = this.em.fork();
    const held: HeldLease = {
      owner: `${this.lease.instanceId}:${randomUUID()}`,
      startedAt: this.clock.now(),
    };
    const leased = await leaseRows(
      em,
      Grant,
      grantIds,
      held.owner,
      held.startedAt,
      this.lease.leaseMs,
    );
    const plain = leased.flatMap((grant) => this.plainRenewal(grant, held.startedAt) ?? []);
    const plainIds = new Set(plain.map(({ grant }) => grant.id));
    await releaseRows(
      em,
      Grant,
      leased.map(({ id }) => id).filter((id) => !plainIds.has(id)),
      held.owner,
    );
    const answers: Answer[] = [];
    let announced: PlainRenewal[] = [];
    try {
      announced = await this.announce(em, plain, held.startedAt);
      answers.push(...(await Promise.all(announced.map((call) => this.ask(call)))));
      await this.store(
        em,
        announced.flatMap((call, i) => {
          const answer = answers[i]!;
          return answer.kind === 'renewed' ? [{ call, ...answer }] : [];
        }),
      );
      for (const [i, call] of announced.entries()) await this.settle(em, call, answers[i]!);
      await em.flush();
    } finally {
      // A probe ends once its outcome is applied: the breaker has reopened or closed by now.
      for (const [i, answer] of answers.entries())
        if (answer.probe) this.breakers.probeEnded(announced[i]!.grant.provider);
      await releaseRows(em, Grant, [...plainIds], held.owner);
    }
    const others = grantIds.filter((id) => !plainIds.has(id));
    await Promise.all(others.map((id) => this.oneAtATime(id)));
  }

  /** The grant as a plain renewal, or `undefined` when it needs the careful way. */
  private plainRenewal(grant: Grant, now: Date): PlainRenewal | undefined {
    const active = this.registry.find(grant.provider);
    if (!active?.client || grant.refreshStartedAt) return undefined;
    if (!renewableWithoutPerson(active.provider.refresh, grantState(grant))) return undefined;
    if (!needsRefresh(active.provider.refresh, grantState(grant), now)) return undefined;
    if (this.breakers.peek(grant.provider).kind === 'wait') return undefined;
    const tokens = this.vault.grantTokens(grant);
    return tokens ? { grant, active, tokens, readGeneration: grant.tokenGeneration } : undefined;
  }

  /** Records on every grant, in one statement, that its refresh is under way; returns those. */
  private async announce(
    em: EntityManager,
    plain: readonly PlainRenewal[],
    startedAt: Date,
  ): Promise<PlainRenewal[]> {
    const announced = await fencedUpdateMany(
      em,
      Grant,
      'tokenGeneration',
      plain.map(({ grant, readGeneration }) => ({
        id: grant.id,
        expected: readGeneration,
        values: { refreshStartedAt: startedAt },
      })),
    );
    return plain.filter(({ grant }) => {
      if (!announced.has(grant.id)) return false;
      grant.refreshStartedAt = startedAt;
      em.getUnitOfWork().merge(grant);
      return true;
    });
  }

  /** Asks the network within its in-flight limit, unless its breaker holds calls back. */
  private ask({ grant, active, tokens }: PlainRenewal): Promise<Answer> {
    return this.registry.slots.run(grant.provider, async (): Promise<Answer> => {
      const admission = this.breakers.admit(grant.provider);
      if (admission.kind === 'wait') return { kind: 'held back', until: admission.until };
      const probe = admission.kind === 'probe';
      const started = performance.now();
      try {
        const answer = await this.renewal.callNetwork(active, tokens);
        return answer.ok
          ? { probe, kind: 'renewed', renewed: answer.renewed, ms: performance.now() - started }
          : { probe, kind: 'refused', error: answer.error };
      } catch (error) {
        return { probe, kind: 'failed', error };
      }
    });
  }

  /**
   * Saves every renewed token set in one fenced write (each lands only on the generation it was
   * renewed from, and gives its lease back), then records the events and status changes of all
   * their connections in one flush. A set whose write did not land is saved the careful way.
   */
  private async store(
    em: EntityManager,
    renewed: readonly { call: PlainRenewal; renewed: TokenSet; ms: number }[],
  ): Promise<void> {
    if (renewed.length === 0) return;
    const now = this.clock.now();
    for (const { call, renewed: tokens } of renewed)
      this.renewal.takeRenewed(call.grant, call.active, tokens, now);
    const written = await this.renewal.untilSaved(`${renewed.length} grants`, () =>
      fencedUpdateMany(
        em,
        Grant,
        'tokenGeneration',
        renewed.map(({ call: { grant, readGeneration } }) => ({
          id: grant.id,
          expected: readGeneration,
          values: {
            ...Object.fromEntries(RENEWED_COLUMNS.map((column) => [column, grant[column]])),
            leaseOwner: null,
            leaseExpiresAt: null,
          },
        })),
      ),
    );
    const saved: PlainRenewal[] = [];
    for (const { call, ms } of renewed) {
      const { grant, active } = call;
      if (written.has(grant.id)) {
        grant.leaseOwner = undefined;
        grant.leaseExpiresAt = undefined;
        em.getUnitOfWork().merge(grant);
      } else if (!(await this.renewal.save(grant, em, call.readGeneration))) {
        this.metrics.refreshed(active.id, 'success', 'superseded', ms);
        continue;
      }
      this.metrics.refreshed(active.id, 'success', undefined, ms);
      saved.push(call);
    }
    const byGrant = new Map(saved.map((call) => [call.grant.id, call]));
    const connections = await em.find(Connection, { grant: { $in: [...byGrant.keys()] } });
    for (const connection of connections) {
      const { grant, active } = byGrant.get(connection.grant.id)!;
      this.renewal.recordRenewed(em, active, grant, connection, now);
    }
    await this.verdicts.renewedMany(
      em,
      saved.map(({ grant }) => grant),
      connections,
    );
    await em.flush();
  }

  /** Settles a grant whose renewal did not come back with tokens. */
  private async settle(em: EntityManager, call: PlainRenewal, answer: Answer): Promise<void> {
    const { grant, active, tokens, readGeneration } = call;
    switch (answer.kind) {
      case 'renewed':
        return;
      case 'held back':
        // Nothing went out: the announcement goes, and the refresh waits for the network.
        grant.refreshStartedAt = undefined;
        grant.nextRefreshAt = spreadRetry(answer.until, Math.random());
        return;
      case 'failed':
        this.logger.error(`refresh of grant ${grant.id} failed: ${loggableMessage(answer.error)}`);
        grant.nextRefreshAt = new Date(this.clock.now().getTime() + UNEXPECTED_FAILURE_PAUSE_MS);
        return;
      case 'refused': {
        // The network answered, so it rotated nothing.
        if (answer.error.response) grant.refreshStartedAt = undefined;
        // Newer tokens stored meanwhile (a re-authorization) are not refused by this answer.
        if (
          !answer.error.classification.transient &&
          (await this.renewal.newerTokensStored(grant, em, readGeneration))
        )
          return;
        try {
          await this.renewal.applyRefusal(
            grant,
            em,
            active,
            tokens,
            this.renewal.refusal(active, answer.error, undefined),
          );
        } catch (error) {
          if (!(error instanceof LifecycleFailure)) throw error;
        }
      }
    }
  }

  private async oneAtATime(grantId: string): Promise<void> {
    try {
      await this.renewal.refresh(grantId);
    } catch (error) {
      if (error instanceof LifecycleFailure) return;
      this.logger.error(`Refresh of grant ${grantId} failed: ${loggableMessage(error)}`);
    }
  }
}
