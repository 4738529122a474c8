import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { SCHEDULED_BACKOFF } from './backoff';
import type { JobOptions, JobQueue, QueueHealth } from './job-queue';

const PING_TIMEOUT_MS = 2000;

/** The distributed queue: Bull on Redis, shared by every instance. */
export class BullJobQueue implements JobQueue, OnApplicationBootstrap {
  private readonly logger = new Logger(BullJobQueue.name);
  private redisDown = false;

  /**
   * Logs Redis going away and coming back, once each per outage, however often its clients
   * retry. The queue's main client decides: Bull's other clients (the subscriber, the blocking
   * one) reconnect on their own schedule and can still report the outage after the main one is
   * back, which is no new outage.
   */
  constructor(private readonly queue: Queue) {
    // `@nestjs/bull` binds the processors while modules initialise, before the host has migrated
    // the database and checked its keys: this instance takes no job until it has started. (A
    // queue closed before it ever connected has nothing to hold back.)
    queue.pause(true).catch(() => undefined);
    const down = (cause: string) => {
      if (this.redisDown || queue.client.status === 'ready') return;
      this.redisDown = true;
      this.logger.error({
        event: 'dependency.down',
        dependency: 'redis',
        error: cause,
        msg: `Redis unreachable (${cause}). Queued work waits until it is back.`,
      });
    };
    queue.on('error', (error: Error) => down(error.message));
    // A link that drops without an error (closed by a proxy or a restart) only shows as this.
    queue.client.on('reconnecting', () => down('connection lost'));
    queue.client.on('ready', () => {
      if (!this.redisDown) return;
      this.redisDown = false;
      this.logger.log({
        event: 'dependency.up',
        dependency: 'redis',
        msg: 'Redis reachable again',
      });
    });
  }

  onApplicationBootstrap(): void {
    // Not awaited: with Redis unreachable this waits for it, and the start-up check reports that.
    this.queue.resume(true).catch(() => undefined);
  }

  async add<T>(name: string, data: T, options: JobOptions = {}): Promise<void> {
    await this.queue.add(name, data, {
      ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
      ...(options.attempts ? { attempts: options.attempts } : {}),
      ...(options.backoff
        ? { backoff: { type: SCHEDULED_BACKOFF, options: options.backoff } }
        : {}),
      removeOnComplete: true,
      removeOnFail: 100,
    });
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts();
    return counts.waiting + counts.delayed + counts.active;
  }

  async health(): Promise<QueueHealth> {
    let timer: NodeJS.Timeout | undefined;
    const ping = this.queue.client.ping();
    // A ping that loses the race still settles later (rejected once the link closes): handled.
    ping.catch(() => undefined);
    try {
      const pong = await Promise.race([
        ping,
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
