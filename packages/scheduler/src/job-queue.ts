/** Options for one job. */
export interface JobOptions {
  /**
   * A deterministic id: while a job with this id is waiting or running, adding it again does
   * nothing. Lifecycle jobs use the connection id and due time, so a sweep that runs twice
   * enqueues once.
   */
  readonly jobId?: string;
  /** Run no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
}

/** Handles one job; a rejection is logged and the job is dropped (the sweep finds due work again). */
export type JobHandler<T> = (data: T) => Promise<void>;

/** The queue's own health, for `GET /health`. */
export interface QueueHealth {
  readonly kind: 'in-process' | 'redis';
  readonly ok: boolean;
  readonly detail?: string;
}

/**
 * The one queue interface the lifecycle engine and notifications use: an in-process queue on
 * embedded defaults, Bull on Redis in distributed mode.
 */
export interface JobQueue {
  add<T>(name: string, data: T, options?: JobOptions): Promise<void>;
  /** Registers the handler for jobs called `name`, running at most `concurrency` at once. */
  process<T>(name: string, handler: JobHandler<T>, concurrency?: number): void;
  /** Jobs waiting, delayed or running. */
  depth(): Promise<number>;
  health(): Promise<QueueHealth>;
}

/** Injection token for {@link JobQueue}. */
export const JobQueue = Symbol('JobQueue');
