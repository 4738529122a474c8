import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  claimDue,
  Connection,
  type DueWork,
  Grant,
  isDatabaseUnreachable,
  Workspace,
} from '@tether/persistence';
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
import { DatabaseWatch } from '../health/database-watch';
import { ProviderRegistry } from '../providers/provider-registry';
import { scheduleFor, workspaceSettings } from '../notifications/notification-settings';
import { GrantLease } from './grant-lease';
import type { AccountJob, GrantJob, GrantsJob } from './lifecycle.processor';
import { LifecycleMetrics } from './lifecycle-metrics';
import { loggableMessage } from '../logging/loggable-error';
import { scheduleFromSettings } from '../schedule/settings-interval';

/** Rows one claim takes of each kind of due work. */
const BATCH = 500;
/**
 * Jobs waiting in the queue beyond which a sweep hands out no more until the next. Work still
 * queued when its claim runs out is handed out a second time (that run finds a refresh done, or
 * repeats a check), so the queue should hold little more than the workers start within a claim.
 */
const QUEUED_CEILING = 10_000;

/**
 * Refreshes per job: renewed together, a handful of statements for all of them (see
 * `BatchRenewal`); small enough that a claim's jobs spread over the workers.
 */
const REFRESHES_PER_JOB = 50;

/** Claims a batch of one kind of due work. */
const batchOf =
  <T>(work: DueWork<T>) =>
  (em: EntityManager, now: Date, until: Date) =>
    claimDue(em, work, now, until, BATCH);

/** The kinds of due work: which due time each answers, and the job it becomes. */
const DUE_WORK = [
  {
    job: 'refresh',
    claim: batchOf({ entity: Grant, dueAt: 'nextRefreshAt', skipLeased: true }),
    perJob: REFRESHES_PER_JOB,
    data: (grantIds: readonly string[]): GrantsJob => ({ grantIds }),
  },
  {
    job: 'check',
    claim: batchOf({ entity: Grant, dueAt: 'nextCheckAt', skipLeased: true }),
    perJob: 1,
    data: ([grantId]: readonly string[]): GrantJob => ({ grantId: grantId! }),
  },
  {
    job: 'account-check',
    claim: batchOf({ entity: Connection, dueAt: 'nextCheckAt' }),
    perJob: 1,
    data: ([connectionId]: readonly string[]): AccountJob => ({ connectionId: connectionId! }),
  },
] as const;

/** `ids` in runs of `size`. */
function chunks(ids: readonly string[], size: number): string[][] {
  return Array.from({ length: Math.ceil(ids.length / size) }, (_, i) =>
    ids.slice(i * size, (i + 1) * size),
  );
}

/**
 * Finds due work through the due-time indexes and hands it to the queue, one job per grant (or
 * per account, for checks with its own token), which `LifecycleProcessor` runs. Each row is claimed in the statement that selects
 * it, so no later sweep and no other instance hands it out again while it waits in the queue;
 * a full batch is followed by the next at once, so due work drains at the workers' pace, not
 * the interval's. Nothing depends on a job surviving: a lost job's row comes due again when its
 * claim runs out, and the next sweep finds it.
 */
@Injectable()
export class LifecycleSweep implements OnApplicationBootstrap {
  private readonly logger = new Logger('Sweep');
  private running = false;

  constructor(
    private readonly em: EntityManager,
    @Inject(JobQueue) private readonly queue: JobQueue,
    private readonly lease: GrantLease,
    private readonly registry: ProviderRegistry,
    private readonly metrics: LifecycleMetrics,
    private readonly scheduler: SchedulerRegistry,
    private readonly database: DatabaseWatch,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  onApplicationBootstrap(): void {
    scheduleFromSettings(this.scheduler, 'lifecycle-sweep', this.config.sweepIntervalSeconds, () =>
      this.sweep(),
    );
  }

  /** One pass over due work. Returns how many jobs it enqueued. */
  async sweep(now: Date = this.clock.now()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    const stop = this.metrics.sweepSeconds.startTimer();
    try {
      const enqueued = await this.handOutDue(now);
      await this.expire(now);
      return enqueued;
    } catch (error) {
      if (isDatabaseUnreachable(error)) this.database.unreachable(error);
      else this.logger.error(`Sweep failed: ${loggableMessage(error)}`);
      return 0;
    } finally {
      stop();
      this.running = false;
    }
  }

  /**
   * Hands out due work batch by batch, each row claimed as it is selected, until a batch comes
   * back short or the queue holds enough to keep the workers busy through a claim.
   */
  private async handOutDue(now: Date): Promise<number> {
    const em = this.em.fork();
    // A claim lasts a lease: work still queued when it runs out is handed out again (its second
    // run finds the work done), and a job lost with its instance comes due again then.
    const until = new Date(now.getTime() + this.lease.leaseMs);
    let handedOut = 0;
    for (;;) {
      const claimed = await Promise.all(
        DUE_WORK.map(async (kind) => ({
          kind,
          ids: await kind.claim(em, now, until),
        })),
      );
      // A job id names one claim: a job stranded by an instance that died (still marked active
      // in Redis) does not block the row once its claim ran out.
      await Promise.all(
        claimed.flatMap(({ kind, ids }) =>
          chunks(ids, kind.perJob).map((some) =>
            this.queue.add(`lifecycle.${kind.job}`, kind.data(some), {
              jobId: `${kind.job}:${some[0]}:${until.getTime()}`,
            }),
          ),
        ),
      );
      for (const { kind, ids } of claimed) {
        this.metrics.handedOut.inc({ work: kind.job }, ids.length);
        handedOut += ids.length;
      }
      if (claimed.every(({ ids }) => ids.length < BATCH)) return handedOut;
      if ((await this.queue.depth()) >= QUEUED_CEILING) return handedOut;
    }
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
    // Connections whose scheduled renewals move the hard expiry are left out in the query, not
    // after it: hundreds of them must not fill the batch and keep the rest from their warning.
    const extending = this.registry
      .list()
      .filter(({ provider }) => renewalsExtendHardExpiry(provider))
      .map(({ id }) => id);
    const closing = await em.find(
      Connection,
      {
        hardExpiresAt: { $gt: now, $lte: new Date(now.getTime() + widest * 1000) },
        status: 'active',
        $not: { provider: { $in: extending }, grant: { nextRefreshAt: { $ne: null } } },
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
