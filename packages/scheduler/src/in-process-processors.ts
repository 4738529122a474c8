import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { BullMetadataAccessor } from '@nestjs/bull/dist/bull-metadata.accessor';
import { InProcessJobQueue } from './in-process-job-queue';
import { type QueuedJob, TETHER_QUEUE } from './job-queue';

/**
 * In embedded mode, binds the `@Process` methods of `@Processor(TETHER_QUEUE)` classes to the
 * in-process queue, as `@nestjs/bull`'s explorer binds them to Bull in distributed mode: the
 * same processors run in both.
 */
@Injectable()
export class InProcessProcessors implements OnModuleInit {
  private readonly metadata: BullMetadataAccessor;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly queue: InProcessJobQueue,
    reflector: Reflector,
  ) {
    this.metadata = new BullMetadataAccessor(reflector);
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || !wrapper.isDependencyTreeStatic()) continue;
      const type = instance.constructor;
      if (!this.metadata.isQueueComponent(type)) continue;
      if (
        (this.metadata.getQueueComponentMetadata(type) as { name?: string }).name !== TETHER_QUEUE
      )
        continue;
      for (const key of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const method = instance[key] as (job: QueuedJob<unknown>) => Promise<unknown>;
        if (!this.metadata.isProcessor(method)) continue;
        const options = this.metadata.getProcessMetadata(method) ?? {};
        this.queue.process(
          options.name ?? '__default__',
          (job) => method.call(instance, job),
          options.concurrency ?? 1,
        );
      }
    }
  }
}
