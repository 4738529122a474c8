import { Logger } from '@nestjs/common';
import type { JobHandler, JobOptions, JobQueue, QueueHealth } from './job-queue';

interface Registration {
  readonly handler: JobHandler<unknown>;
  readonly concurrency: number;
  running: number;
}

interface PendingJob {
  readonly name: string;
  readonly data: unknown;
  readonly jobId: string | undefined;
  readonly runAt: number;
}

/**
 * A queue inside the process, for the embedded mode: one instance, nothing to set up.
 * Jobs live in memory; the lifecycle sweep re-finds due work after a restart, so nothing is lost.
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

  add<T>(name: string, data: T, options: JobOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const jobId = options.jobId;
    if (jobId !== undefined && (this.activeIds.has(jobId) || this.pendingIds.has(jobId))) {
      return Promise.resolve();
    }
    const job = { name, data, jobId, runAt: Date.now() + Math.max(0, options.delayMs ?? 0) };
    const waiting = this.pending.get(name) ?? [];
    this.pending.set(name, waiting);
    // A sweep adds thousands at once, most due now: look from the end instead of sorting.
    let index = waiting.length;
    while (index > 0 && waiting[index - 1]!.runAt > job.runAt) index -= 1;
    waiting.splice(index, 0, job);
    if (jobId !== undefined) this.pendingIds.add(jobId);
    this.drain();
    return Promise.resolve();
  }

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
    return Promise.resolve(waiting + this.activeIds.size);
  }

  health(): Promise<QueueHealth> {
    return Promise.resolve({ kind: 'in-process', ok: !this.closed });
  }

  /** Stops taking and starting jobs; running ones finish. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
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
      .handler(job.data)
      .catch((error: unknown) => {
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
