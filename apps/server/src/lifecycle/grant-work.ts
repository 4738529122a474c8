import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, Grant } from '@tether/persistence';
import { spreadRetry } from '@tether/core';
import { Clock } from '../clock/clock';
import { DomainError } from '../domain-error';
import { GrantLease, type HeldLease } from './grant-lease';
import { LifecycleFailure } from './lifecycle-failure';
import { NetworkBreakers } from './network-breakers';
import { ProviderRegistry } from '../providers/provider-registry';
import { loggableMessage } from '../logging/loggable-error';

const UNEXPECTED_FAILURE_PAUSE_MS = 5 * 60_000;

/** Which due time a piece of work answers, so an unexpected failure can push it back. */
export type DueWork =
  | { readonly kind: 'refresh' }
  | { readonly kind: 'check' }
  | { readonly kind: 'account check'; readonly connectionId: string };

/**
 * Runs lifecycle work on a grant: the per-network slot is taken first, so time spent waiting
 * for one never eats into the lease; network calls time out well inside the lease. Anything
 * unexpected pushes the due time back by a pause instead of leaving the work due forever.
 * While the network's breaker holds calls back, the work is not done: its due time moves to
 * when the breaker lets a probe out, and no failure is counted against anyone.
 */
@Injectable()
export class GrantWork {
  private readonly logger = new Logger('Lifecycle');
  constructor(
    private readonly em: EntityManager,
    private readonly lease: GrantLease,
    private readonly breakers: NetworkBreakers,
    private readonly registry: ProviderRegistry,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async run(
    grantId: string,
    due: DueWork,
    work: (grant: Grant, em: EntityManager, held: HeldLease) => Promise<void>,
  ): Promise<void> {
    const row = await this.em.fork().findOne(Grant, { id: grantId }, { fields: ['provider'] });
    if (!row) return;
    await this.registry.slots.run(row.provider, async () => {
      // Asked once the slot is ours: a storm may have begun while this work waited for it.
      const admission = this.breakers.admit(row.provider);
      if (admission.kind === 'wait') {
        await this.postpone(grantId, due, spreadRetry(admission.until, Math.random()));
        return;
      }
      try {
        await this.lease.hold(grantId, work);
      } catch (error) {
        if (error instanceof LifecycleFailure || error instanceof DomainError) throw error;
        this.logger.error(`${due.kind} of grant ${grantId} failed: ${loggableMessage(error)}`);
        await this.pause(grantId, due);
        throw error;
      } finally {
        if (admission.kind === 'probe') this.breakers.probeEnded(row.provider);
      }
    });
  }

  private pause(grantId: string, due: DueWork): Promise<void> {
    const retryAt = new Date(this.clock.now().getTime() + UNEXPECTED_FAILURE_PAUSE_MS);
    return this.setDue(grantId, due, retryAt, false);
  }

  /** Moves the due time to `retryAt` if it was sooner; a later or absent one stays. */
  private postpone(grantId: string, due: DueWork, retryAt: Date): Promise<void> {
    return this.setDue(grantId, due, retryAt, true);
  }

  private async setDue(
    grantId: string,
    due: DueWork,
    retryAt: Date,
    onlyIfSooner: boolean,
  ): Promise<void> {
    const em = this.em.fork();
    const sooner = onlyIfSooner ? { $lt: retryAt } : undefined;
    if (due.kind === 'account check')
      await em.nativeUpdate(
        Connection,
        { id: due.connectionId, ...(sooner ? { nextCheckAt: sooner } : {}) },
        { nextCheckAt: retryAt },
      );
    else {
      const field = due.kind === 'refresh' ? 'nextRefreshAt' : 'nextCheckAt';
      await em.nativeUpdate(
        Grant,
        { id: grantId, ...(sooner ? { [field]: sooner } : {}) },
        { [field]: retryAt },
      );
    }
  }
}
