import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { Grant, rowLease } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';

const LEASE_POLL_MS = 50;

/** The lease a piece of work holds: its owner name (for fenced writes) and when it was asked for. */
export interface HeldLease {
  readonly owner: string;
  readonly startedAt: Date;
}

/**
 * The claim one instance holds on a grant while it renews or checks it: owner and expiry on the
 * grant row (the generic row lease of @tether/persistence), released only by its owner.
 */
@Injectable()
export class GrantLease {
  /** This instance's name on leases. */
  readonly instanceId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  /** How long a claim holds. */
  readonly leaseMs: number;

  constructor(
    private readonly em: EntityManager,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) config: TetherConfig,
  ) {
    this.leaseMs = config.leaseSeconds * 1000;
  }

  /**
   * Runs `work` on the grant while holding its lease. Another holder is waited for rather than
   * raced: its result (a spent refresh token, say) is what this caller must see.
   */
  async hold(
    grantId: string,
    work: (grant: Grant, em: EntityManager, held: HeldLease) => Promise<void>,
  ): Promise<void> {
    const startedAt = this.clock.now();
    const owner = `${this.instanceId}:${randomUUID()}`;
    const deadline = startedAt.getTime() + this.leaseMs + 5_000;
    const lease = rowLease(this.em, Grant, grantId);
    for (;;) {
      if (await lease.acquire(owner, this.clock.now(), this.leaseMs)) break;
      if (this.clock.now().getTime() > deadline)
        throw new DomainError('SERVICE_UNAVAILABLE', 'The connection is busy; try again.');
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    }
    const em = this.em.fork();
    try {
      const grant = await em.findOne(Grant, { id: grantId });
      if (grant) await work(grant, em, { owner, startedAt });
    } finally {
      await lease.release(owner);
    }
  }
}
