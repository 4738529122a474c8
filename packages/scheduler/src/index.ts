export { Process, Processor } from '@nestjs/bull';
export type { Backoff } from './backoff';
export { JobQueue, TETHER_QUEUE } from './job-queue';
export type { JobOptions, QueuedJob, QueueHealth } from './job-queue';
export { QueueModule } from './queue.module';
export type { QueueModuleOptions } from './queue.module';
