import { Logger } from '@nestjs/common';
import { Process, Processor, type QueuedJob, TETHER_QUEUE } from '@tether/scheduler';
import { loggableMessage } from '../logging/loggable-error';
import { BatchRenewal } from './batch-renewal';
import { HealthChecks } from './health-checks';
import { LifecycleFailure } from './lifecycle-failure';

export interface GrantJob {
  readonly grantId: string;
}

/** Due refreshes renewed together (see `BatchRenewal`). */
export interface GrantsJob {
  readonly grantIds: readonly string[];
}

export interface AccountJob {
  readonly connectionId: string;
}

/** Jobs of each kind one instance runs at once. */
const CONCURRENCY = 8;

/**
 * Runs the jobs the sweep hands out. They are not retried by the queue: a failed refresh or
 * check records its next due time on the row (with the network's own backoff and rate-limit
 * headers), and the sweep hands it out again then; the database decides when work is due.
 */
@Processor(TETHER_QUEUE)
export class LifecycleProcessor {
  private readonly logger = new Logger('Lifecycle');

  constructor(
    private readonly renewals: BatchRenewal,
    private readonly checks: HealthChecks,
  ) {}

  @Process({ name: 'lifecycle.refresh', concurrency: CONCURRENCY })
  refresh(job: QueuedJob<GrantsJob>): Promise<void> {
    return this.run('Refresh', this.renewals.refreshMany(job.data.grantIds));
  }

  @Process({ name: 'lifecycle.check', concurrency: CONCURRENCY })
  check(job: QueuedJob<GrantJob>): Promise<void> {
    return this.run('Health check', this.checks.grant(job.data.grantId));
  }

  @Process({ name: 'lifecycle.account-check', concurrency: CONCURRENCY })
  checkAccount(job: QueuedJob<AccountJob>): Promise<void> {
    return this.run('Account health check', this.checks.account(job.data.connectionId));
  }

  /** Runs one job; a network refusal is already recorded on the grant, anything else is logged. */
  private async run(kind: string, work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (error instanceof LifecycleFailure) return;
      this.logger.error(`${kind} failed: ${loggableMessage(error)}`);
    }
  }
}
