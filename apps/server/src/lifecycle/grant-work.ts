import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, Grant } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { DomainError } from '../domain-error';
import { GrantLease, type HeldLease } from './grant-lease';
import { LifecycleFailure } from './lifecycle-failure';
import { ProviderSlots } from './provider-slots';
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
 */
@Injectable()
export class GrantWork {
  private readonly logger = new Logger('Lifecycle');
  /** Calls to one network at once from this instance. */
  private readonly slots = new ProviderSlots(4);

  constructor(
    private readonly em: EntityManager,
    private readonly lease: GrantLease,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async run(
    grantId: string,
    due: DueWork,
    work: (grant: Grant, em: EntityManager, held: HeldLease) => Promise<void>,
  ): Promise<void> {
    const row = await this.em.fork().findOne(Grant, { id: grantId }, { fields: ['provider'] });
    if (!row) return;
    await this.slots.run(row.provider, async () => {
      try {
        await this.lease.hold(grantId, work);
      } catch (error) {
        if (error instanceof LifecycleFailure || error instanceof DomainError) throw error;
        this.logger.error(`${due.kind} of grant ${grantId} failed: ${loggableMessage(error)}`);
        await this.pause(grantId, due);
        throw error;
      }
    });
  }

  private async pause(grantId: string, due: DueWork): Promise<void> {
    const retryAt = new Date(this.clock.now().getTime() + UNEXPECTED_FAILURE_PAUSE_MS);
    const em = this.em.fork();
    if (due.kind === 'account check')
      await em.nativeUpdate(Connection, { id: due.connectionId }, { nextCheckAt: retryAt });
    else
      await em.nativeUpdate(
        Grant,
        { id: grantId },
        due.kind === 'refresh' ? { nextRefreshAt: retryAt } : { nextCheckAt: retryAt },
      );
  }
}
