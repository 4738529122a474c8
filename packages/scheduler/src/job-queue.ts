import type { Backoff } from './backoff';

/** Options for one job. */
export interface JobOptions {
  /**
   * A deterministic id: while a job with this id is waiting, running or waiting to be retried,
   * adding it again does nothing. Lifecycle jobs use the connection id and due time, so a sweep
   * that runs twice enqueues once.
   */
  readonly jobId?: string;
  /** Run no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
  /** Runs in all, the first included, while the processor rejects (Bull's `attempts`); 1 by default. */
  readonly attempts?: number;
  /** How long to wait before each retry (Bull's `backoff`). */
  readonly backoff?: Backoff;
}

/** A job as its processor sees it: Bull's `Job` in distributed mode, the same fields in-process. */
export interface QueuedJob<T> {
  readonly id: string | number;
  readonly name: string;
  readonly data: T;
  /** Runs that failed before this one. */
  readonly attemptsMade: number;
}

/** The queue's own health, for `GET /health`. */
export interface QueueHealth {
  readonly kind: 'in-process' | 'redis';
  readonly ok: boolean;
  readonly detail?: string;
}

/**
 * The one queue the lifecycle engine and notifications add jobs to: an in-process queue on
 * embedded defaults, Bull on Redis in distributed mode. Jobs are handled by `@Processor`
 * classes with `@Process` methods (from `@nestjs/bull`), in both modes.
 */
export interface JobQueue {
  add<T>(name: string, data: T, options?: JobOptions): Promise<void>;
  /** Jobs waiting, delayed or running. */
  depth(): Promise<number>;
  health(): Promise<QueueHealth>;
}

/** Injection token for {@link JobQueue}. */
export const JobQueue = Symbol('JobQueue');

/** The name of Tether's one queue, for `@Processor(TETHER_QUEUE)`. */
export const TETHER_QUEUE = 'tether';
