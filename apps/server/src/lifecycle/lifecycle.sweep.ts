import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Connection, Grant } from '@tether/persistence';
import { JobQueue } from '@tether/scheduler';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { changeStatus } from '../connections/status-transition';
import { ProviderRegistry } from '../providers/provider-registry';
import { renewalsExtendHardExpiry } from './lifecycle-policy';
import { LifecycleMetrics } from './lifecycle-metrics';
import { LifecycleFailure, LifecycleService } from './lifecycle.service';

interface GrantJob {
  readonly grantId: string;
}

const BATCH = 200;
/** Connections whose hard expiry is this close turn `expiring`. */
export const EXPIRING_HORIZON_MS = 14 * 24 * 3600 * 1000;

/**
 * Finds due work through the due-time indexes and hands it to the queue, one job per grant with
 * a deterministic id, so a sweep that runs twice (or on two instances) enqueues once. Nothing
 * depends on a job surviving: a lost job's grant is still due and the next sweep finds it.
 */
@Injectable()
export class LifecycleSweep implements OnApplicationBootstrap {
  private readonly logger = new Logger('Sweep');
  private running = false;

  constructor(
    private readonly em: EntityManager,
    @Inject(JobQueue) private readonly queue: JobQueue,
    private readonly lifecycle: LifecycleService,
    private readonly registry: ProviderRegistry,
    private readonly metrics: LifecycleMetrics,
    private readonly scheduler: SchedulerRegistry,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /** Runs one job; a network refusal is already recorded on the grant, anything else is logged. */
  private async run(kind: string, work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (error instanceof LifecycleFailure) return;
      this.logger.error(
        `${kind} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  onApplicationBootstrap(): void {
    const concurrency = 8;
    this.queue.process<GrantJob>(
      'lifecycle.refresh',
      (job) => this.run('Refresh', this.lifecycle.refresh(job.grantId)),
      concurrency,
    );
    this.queue.process<GrantJob>(
      'lifecycle.check',
      (job) => this.run('Health check', this.lifecycle.check(job.grantId)),
      concurrency,
    );
    if (this.config.sweepIntervalSeconds > 0) {
      const timer = setInterval(() => void this.sweep(), this.config.sweepIntervalSeconds * 1000);
      timer.unref();
      this.scheduler.addInterval('lifecycle-sweep', timer);
    }
  }

  /** One pass over due work. Returns how many jobs it enqueued. */
  async sweep(now: Date = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    const stop = this.metrics.sweepSeconds.startTimer();
    try {
      const em = this.em.fork();
      let enqueued = 0;
      const idle = { $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: now } }] };
      // Job ids change once per lease period: a job stranded by an instance that died (still
      // marked active in Redis) does not block the grant after its lease ran out.
      const attempt = Math.floor(now.getTime() / this.lifecycle.leaseMs);
      const dueRefresh = await em.find(
        Grant,
        { nextRefreshAt: { $lte: now }, ...idle },
        { fields: ['id', 'nextRefreshAt'], limit: BATCH, orderBy: { nextRefreshAt: 'asc' } },
      );
      for (const grant of dueRefresh) {
        await this.queue.add<GrantJob>(
          'lifecycle.refresh',
          { grantId: grant.id },
          { jobId: `refresh:${grant.id}:${grant.nextRefreshAt!.getTime()}:${attempt}` },
        );
        enqueued += 1;
      }
      const dueCheck = await em.find(
        Grant,
        { nextCheckAt: { $lte: now }, ...idle },
        { fields: ['id', 'nextCheckAt'], limit: BATCH, orderBy: { nextCheckAt: 'asc' } },
      );
      for (const grant of dueCheck) {
        await this.queue.add<GrantJob>(
          'lifecycle.check',
          { grantId: grant.id },
          { jobId: `check:${grant.id}:${grant.nextCheckAt!.getTime()}:${attempt}` },
        );
        enqueued += 1;
      }
      await this.expire(now);
      return enqueued;
    } catch (error) {
      this.logger.error(`Sweep failed: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    } finally {
      stop();
      this.running = false;
    }
  }

  /** Moves connections whose hard expiry came to `expired`, and those close to it to `expiring`. */
  private async expire(now: Date): Promise<void> {
    const em = this.em.fork();
    const lapsed = await em.find(
      Connection,
      { hardExpiresAt: { $lte: now }, status: { $in: ['active', 'expiring', 'degraded'] } },
      { limit: BATCH },
    );
    for (const connection of lapsed) {
      const provider = this.registry
        .list()
        .find((candidate) => candidate.id === connection.provider)?.provider;
      changeStatus(em, connection, 'expired', {
        reason: 'token_expired',
        remedy: `The ${provider?.displayName ?? connection.provider} authorization ran out. Reconnect the account to grant access again.`,
        actor: 'system',
      });
    }
    const horizon = new Date(now.getTime() + EXPIRING_HORIZON_MS);
    const closing = await em.find(
      Connection,
      { hardExpiresAt: { $gt: now, $lte: horizon }, status: 'active' },
      { populate: ['grant'], limit: BATCH },
    );
    for (const connection of closing) {
      const provider = this.registry
        .list()
        .find((candidate) => candidate.id === connection.provider)?.provider;
      // A grant whose renewals push its hard expiry forward is not expiring while renewals are scheduled.
      if (provider && renewalsExtendHardExpiry(provider) && connection.grant.nextRefreshAt)
        continue;
      changeStatus(em, connection, 'expiring', {
        reason: 'token_expired',
        remedy: `The ${provider?.displayName ?? connection.provider} authorization ends on ${connection.hardExpiresAt!.toISOString().slice(0, 10)} and only the account owner can renew it: reconnect before then.`,
        actor: 'system',
      });
    }
    await em.flush();
  }
}
