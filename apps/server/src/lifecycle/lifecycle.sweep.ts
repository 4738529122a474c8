import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Connection, Grant, Workspace } from '@tether/persistence';
import {
  expiringHorizonSeconds,
  expiryTransition,
  LIVE_STATUSES,
  renewalsExtendHardExpiry,
} from '@tether/core';
import { JobQueue } from '@tether/scheduler';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { changeStatus } from '../connections/status-transition';
import { ProviderRegistry } from '../providers/provider-registry';
import { scheduleFor, workspaceSettings } from '../notifications/notification-settings';
import { GrantLease } from './grant-lease';
import { HealthChecks } from './health-checks';
import { LifecycleFailure } from './lifecycle-failure';
import { LifecycleMetrics } from './lifecycle-metrics';
import { TokenRenewal } from './token-renewal';
import { loggableMessage } from '../logging/loggable-error';

interface GrantJob {
  readonly grantId: string;
}

interface AccountJob {
  readonly connectionId: string;
}

const BATCH = 200;

/**
 * Finds due work through the due-time indexes and hands it to the queue, one job per grant (or
 * per account, for checks with its own token) with a deterministic id, so a sweep that runs
 * twice (or on two instances) enqueues once. Nothing depends on a job surviving: a lost job's
 * row is still due and the next sweep finds it.
 */
@Injectable()
export class LifecycleSweep implements OnApplicationBootstrap {
  private readonly logger = new Logger('Sweep');
  private running = false;

  constructor(
    private readonly em: EntityManager,
    @Inject(JobQueue) private readonly queue: JobQueue,
    private readonly renewal: TokenRenewal,
    private readonly checks: HealthChecks,
    private readonly lease: GrantLease,
    private readonly registry: ProviderRegistry,
    private readonly metrics: LifecycleMetrics,
    private readonly scheduler: SchedulerRegistry,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /** Runs one job; a network refusal is already recorded on the grant, anything else is logged. */
  private async run(kind: string, work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (error instanceof LifecycleFailure) return;
      this.logger.error(`${kind} failed: ${loggableMessage(error)}`);
    }
  }

  onApplicationBootstrap(): void {
    const concurrency = 8;
    this.queue.process<GrantJob>(
      'lifecycle.refresh',
      (job) => this.run('Refresh', this.renewal.refresh(job.grantId)),
      concurrency,
    );
    this.queue.process<GrantJob>(
      'lifecycle.check',
      (job) => this.run('Health check', this.checks.grant(job.grantId)),
      concurrency,
    );
    this.queue.process<AccountJob>(
      'lifecycle.account-check',
      (job) => this.run('Account health check', this.checks.account(job.connectionId)),
      concurrency,
    );
    if (this.config.sweepIntervalSeconds > 0) {
      const timer = setInterval(() => void this.sweep(), this.config.sweepIntervalSeconds * 1000);
      timer.unref();
      this.scheduler.addInterval('lifecycle-sweep', timer);
    }
  }

  /** One pass over due work. Returns how many jobs it enqueued. */
  async sweep(now: Date = this.clock.now()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    const stop = this.metrics.sweepSeconds.startTimer();
    try {
      const enqueued = await this.enqueueDue(now);
      await this.expire(now);
      return enqueued;
    } catch (error) {
      this.logger.error(`Sweep failed: ${loggableMessage(error)}`);
      return 0;
    } finally {
      stop();
      this.running = false;
    }
  }

  private async enqueueDue(now: Date): Promise<number> {
    const em = this.em.fork();
    let enqueued = 0;
    const idle = { $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: now } }] };
    // Job ids change once per lease period: a job stranded by an instance that died (still
    // marked active in Redis) does not block the row after its lease ran out.
    const attempt = Math.floor(now.getTime() / this.lease.leaseMs);
    for (const [field, job] of [
      ['nextRefreshAt', 'refresh'],
      ['nextCheckAt', 'check'],
    ] as const) {
      const due = await em.find(
        Grant,
        { [field]: { $lte: now }, ...idle },
        { fields: ['id', field], limit: BATCH, orderBy: { [field]: 'asc' } },
      );
      for (const grant of due) {
        await this.queue.add<GrantJob>(
          `lifecycle.${job}`,
          { grantId: grant.id },
          { jobId: `${job}:${grant.id}:${grant[field]!.getTime()}:${attempt}` },
        );
        enqueued += 1;
      }
    }
    const accounts = await em.find(
      Connection,
      { nextCheckAt: { $lte: now } },
      { fields: ['id', 'nextCheckAt'], limit: BATCH, orderBy: { nextCheckAt: 'asc' } },
    );
    for (const connection of accounts) {
      await this.queue.add<AccountJob>(
        'lifecycle.account-check',
        { connectionId: connection.id },
        {
          jobId: `account-check:${connection.id}:${connection.nextCheckAt!.getTime()}:${attempt}`,
        },
      );
      enqueued += 1;
    }
    return enqueued;
  }

  /**
   * The `expiring` horizon of each connection: the largest step of the reminder schedule in
   * force for its workspace and network, so it turns `expiring` when its first reminder is due.
   */
  private async horizons(em: EntityManager) {
    const configured = await em.find(Workspace, { notificationSettings: { $ne: null } });
    const settings = new Map(configured.map((w) => [w.id, workspaceSettings(w)]));
    const of = (workspaceId: string, provider: string) =>
      expiringHorizonSeconds(
        scheduleFor(
          settings.get(workspaceId) ?? { providers: {} },
          provider,
          'reminder',
          this.config,
        ),
      );
    let widest = expiringHorizonSeconds(this.config.reminderScheduleSeconds);
    for (const [id, stored] of settings)
      for (const provider of ['', ...Object.keys(stored.providers)])
        widest = Math.max(widest, of(id, provider));
    return { widest, of };
  }

  /** Moves connections whose hard expiry came to `expired`, and those close to it to `expiring`. */
  private async expire(now: Date): Promise<void> {
    const em = this.em.fork();
    const lapsed = await em.find(
      Connection,
      { hardExpiresAt: { $lte: now }, status: { $in: [...LIVE_STATUSES] } },
      { limit: BATCH },
    );
    for (const connection of lapsed) {
      const decision = expiryTransition(
        {
          status: connection.status,
          hardExpiresAt: connection.hardExpiresAt,
          renewalsMoveIt: false,
        },
        now,
        0,
      );
      if (!decision) continue;
      changeStatus(em, connection, decision.trigger, {
        reason: 'token_expired',
        remedy: `The ${this.networkName(connection)} authorization ran out. Reconnect the account to grant access again.`,
        actor: 'system',
        at: now,
      });
    }
    const { widest, of } = await this.horizons(em);
    const closing = await em.find(
      Connection,
      {
        hardExpiresAt: { $gt: now, $lte: new Date(now.getTime() + widest * 1000) },
        status: 'active',
      },
      { populate: ['grant'], limit: BATCH, orderBy: { hardExpiresAt: 'asc' } },
    );
    for (const connection of closing) {
      const provider = this.registry.find(connection.provider)?.provider;
      const decision = expiryTransition(
        {
          status: connection.status,
          hardExpiresAt: connection.hardExpiresAt,
          // Renewals that push the hard expiry forward are no reason to warn while they are scheduled.
          renewalsMoveIt:
            provider !== undefined &&
            renewalsExtendHardExpiry(provider) &&
            connection.grant.nextRefreshAt !== undefined &&
            connection.grant.nextRefreshAt !== null,
        },
        now,
        of(connection.workspace.id, connection.provider),
      );
      if (!decision) continue;
      changeStatus(em, connection, decision.trigger, {
        reason: 'token_expired',
        remedy: `The ${this.networkName(connection)} authorization ends on ${connection.hardExpiresAt!.toISOString().slice(0, 10)} and only the account owner can renew it: reconnect before then.`,
        actor: 'system',
        at: now,
      });
    }
    await em.flush();
  }

  private networkName(connection: Connection): string {
    return this.registry.find(connection.provider)?.provider.displayName ?? connection.provider;
  }
}
