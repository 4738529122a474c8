import { BullModule, getQueueToken } from '@nestjs/bull';
import {
  ConfigurableModuleBuilder,
  type DynamicModule,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Queue } from 'bull';
import { backoffDelayMs, type Backoff, SCHEDULED_BACKOFF } from './backoff';
import { BullJobQueue } from './bull-job-queue';
import { InProcessJobQueue } from './in-process-job-queue';
import { InProcessProcessors } from './in-process-processors';
import { JobQueue, TETHER_QUEUE } from './job-queue';

/** Where jobs go. */
export interface QueueModuleOptions {
  /** A `redis://` URL for Bull; when absent, jobs run in this process. */
  readonly redisUrl?: string;
  /** Prefix for Bull's Redis keys, so several deployments can share one Redis. */
  readonly prefix?: string;
}

const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<QueueModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

class InProcessQueueCloser implements OnApplicationShutdown {
  constructor(private readonly queue: InProcessJobQueue) {}
  onApplicationShutdown(): void {
    this.queue.close();
  }
}

/**
 * Provides the {@link JobQueue}: Bull on Redis when a URL is configured, in-process otherwise.
 * `@Processor(TETHER_QUEUE)` classes handle its jobs in both: `@nestjs/bull` binds them to Bull,
 * {@link InProcessProcessors} to the in-process queue.
 */
@Module({})
export class QueueModule extends ConfigurableModuleClass {
  static override forRoot(options: QueueModuleOptions & { isGlobal?: boolean }): DynamicModule {
    const base = super.forRoot(options);
    if (options.redisUrl) {
      const queueProvider: Provider = {
        provide: JobQueue,
        useFactory: (queue: Queue) => new BullJobQueue(queue),
        inject: [getQueueToken(TETHER_QUEUE)],
      };
      return {
        ...base,
        imports: [
          BullModule.forRoot({ url: options.redisUrl, prefix: options.prefix ?? 'tether' }),
          BullModule.registerQueue({
            name: TETHER_QUEUE,
            settings: {
              backoffStrategies: {
                [SCHEDULED_BACKOFF]: (attemptsMade: number, _error: Error, backoff: Backoff) =>
                  backoffDelayMs(backoff, attemptsMade),
              },
            },
          }),
        ],
        providers: [...(base.providers ?? []), queueProvider],
        exports: [JobQueue],
      };
    }
    const queue = new InProcessJobQueue();
    return {
      ...base,
      imports: [DiscoveryModule],
      providers: [
        ...(base.providers ?? []),
        { provide: JobQueue, useValue: queue },
        { provide: InProcessJobQueue, useValue: queue },
        InProcessProcessors,
        { provide: InProcessQueueCloser, useValue: new InProcessQueueCloser(queue) },
      ],
      exports: [JobQueue],
    };
  }
}
