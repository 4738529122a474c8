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
  private readonly pending: PendingJob[] = [];
  private readonly activeIds = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  add<T>(name: string, data: T, options: JobOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const jobId = options.jobId;
    if (
      jobId !== undefined &&
      (this.activeIds.has(jobId) || this.pending.some((job) => job.jobId === jobId))
    ) {
      return Promise.resolve();
    }
    this.pending.push({ name, data, jobId, runAt: Date.now() + Math.max(0, options.delayMs ?? 0) });
    this.pending.sort((a, b) => a.runAt - b.runAt);
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
    return Promise.resolve(this.pending.length + this.activeIds.size);
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
    for (let index = 0; index < this.pending.length;) {
      const job = this.pending[index]!;
      if (job.runAt > now) break;
      const registration = this.registrations.get(job.name);
      if (!registration || registration.running >= registration.concurrency) {
        index += 1;
        continue;
      }
      this.pending.splice(index, 1);
      this.run(job, registration);
    }
    const next = this.pending.find((job) => job.runAt > now);
    if (next) {
      this.timer = setTimeout(() => this.drain(), next.runAt - now);
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
