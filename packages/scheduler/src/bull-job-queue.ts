import { Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import type { JobHandler, JobOptions, JobQueue, QueueHealth } from './job-queue';

const PING_TIMEOUT_MS = 2000;

/** The distributed queue: Bull on Redis, shared by every instance. */
export class BullJobQueue implements JobQueue {
  private readonly logger = new Logger(BullJobQueue.name);

  constructor(private readonly queue: Queue) {}

  async add<T>(name: string, data: T, options: JobOptions = {}): Promise<void> {
    await this.queue.add(name, data, {
      ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
      removeOnComplete: true,
      removeOnFail: 100,
    });
  }

  process<T>(name: string, handler: JobHandler<T>, concurrency = 1): void {
    void this.queue
      .process(name, concurrency, async (job) => {
        await handler(job.data as T);
      })
      .catch((error: unknown) => {
        this.logger.error(
          `Queue processor for ${name} stopped: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts();
    return counts.waiting + counts.delayed + counts.active;
  }

  async health(): Promise<QueueHealth> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const pong = await Promise.race([
        this.queue.client.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          );
        }),
      ]);
      return { kind: 'redis', ok: pong === 'PONG' };
    } catch (error) {
      return {
        kind: 'redis',
        ok: false,
        detail: error instanceof Error ? error.message : 'unreachable',
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
