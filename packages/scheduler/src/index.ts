export { JobQueue } from './job-queue';
export type { JobHandler, JobOptions, QueueHealth } from './job-queue';
export { QueueModule } from './queue.module';
export type { QueueModuleOptions } from './queue.module';
