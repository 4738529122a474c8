import { Logger } from '@nestjs/common';
import { type Backoff, backoffDelayMs } from './backoff';
import type { JobOptions, JobQueue, QueuedJob, QueueHealth } from './job-queue';

/** Handles one job; a rejection is retried while the job has attempts left, else logged. */
export type JobHandler<T> = (job: QueuedJob<T>) => Promise<unknown>;

interface Registration {
  readonly handler: JobHandler<unknown>;
  readonly concurrency: number;
  running: number;
}

interface PendingJob extends QueuedJob<unknown> {
  /** The id it was added with, which keeps the same one out while it waits or runs. */
  readonly jobId: string | undefined;
  readonly runAt: number;
  readonly attempts: number;
  readonly backoff: Backoff | undefined;
}

/**
 * A queue inside the process, for the embedded mode: one instance, nothing to set up.
 * Jobs live in memory; the lifecycle sweep re-finds due work after a restart, so nothing is lost.
 * A job that fails is run again as Bull would: `attempts` in all, after its `backoff`.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly logger = new Logger(InProcessJobQueue.name);
  private readonly registrations = new Map<string, Registration>();
  /** Jobs not started yet, per job name, in order of `runAt`. */
  private readonly pending = new Map<string, PendingJob[]>();
  private readonly pendingIds = new Set<string>();
  private readonly activeIds = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private added = 0;

  add<T>(name: string, data: T, options: JobOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const jobId = options.jobId;
    if (jobId !== undefined && (this.activeIds.has(jobId) || this.pendingIds.has(jobId))) {
      return Promise.resolve();
    }
    this.added += 1;
    this.wait({
      id: jobId ?? String(this.added),
      name,
      data,
      jobId,
      runAt: Date.now() + Math.max(0, options.delayMs ?? 0),
      attemptsMade: 0,
      attempts: Math.max(1, options.attempts ?? 1),
      backoff: options.backoff,
    });
    this.drain();
    return Promise.resolve();
  }

  /** Registers the handler for jobs called `name`, running at most `concurrency` at once. */
  process<T>(name: string, handler: JobHandler<T>, concurrency = 1): void {
    this.registrations.set(name, {
      handler: handler as JobHandler<unknown>,
      concurrency,
      running: 0,
    });
    this.drain();
  }

  depth(): Promise<number> {
    let waiting = 0;
    for (const jobs of this.pending.values()) waiting += jobs.length;
    let running = 0;
    for (const registration of this.registrations.values()) running += registration.running;
    return Promise.resolve(waiting + running);
  }

  health(): Promise<QueueHealth> {
    return Promise.resolve({ kind: 'in-process', ok: !this.closed });
  }

  /** Stops taking and starting jobs; running ones finish. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private wait(job: PendingJob): void {
    const waiting = this.pending.get(job.name) ?? [];
    this.pending.set(job.name, waiting);
    // A sweep adds thousands at once, most due now: look from the end instead of sorting.
    let index = waiting.length;
    while (index > 0 && waiting[index - 1]!.runAt > job.runAt) index -= 1;
    waiting.splice(index, 0, job);
    if (job.jobId !== undefined) this.pendingIds.add(job.jobId);
  }

  private drain(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    let nextRunAt = Infinity;
    for (const [name, waiting] of this.pending) {
      const registration = this.registrations.get(name);
      while (
        registration &&
        registration.running < registration.concurrency &&
        waiting.length > 0 &&
        waiting[0]!.runAt <= now
      ) {
        const job = waiting.shift()!;
        if (job.jobId !== undefined) this.pendingIds.delete(job.jobId);
        this.run(job, registration);
      }
      // A due job waiting for a free worker starts when one finishes; a later one needs a timer.
      const head = waiting[0];
      if (head && head.runAt > now) nextRunAt = Math.min(nextRunAt, head.runAt);
    }
    if (nextRunAt < Infinity) {
      this.timer = setTimeout(() => this.drain(), nextRunAt - now);
      this.timer.unref();
    }
  }

  private run(job: PendingJob, registration: Registration): void {
    registration.running += 1;
    if (job.jobId !== undefined) this.activeIds.add(job.jobId);
    registration
      .handler(job)
      .catch((error: unknown) => {
        const attemptsMade = job.attemptsMade + 1;
        if (attemptsMade < job.attempts && !this.closed) {
          const delayMs = job.backoff ? backoffDelayMs(job.backoff, attemptsMade) : 0;
          this.wait({ ...job, attemptsMade, runAt: Date.now() + delayMs });
          return;
        }
        this.logger.error(
          `Job ${job.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        registration.running -= 1;
        if (job.jobId !== undefined) this.activeIds.delete(job.jobId);
        this.drain();
      });
  }
}
