import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Process, Processor } from '@nestjs/bull';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue, type QueuedJob, TETHER_QUEUE } from './job-queue';
import { QueueModule, type QueueModuleOptions } from './queue.module';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What the processor below saw: each run's job, when it ran, and whether it failed. */
interface Run {
  readonly name: string;
  readonly value: string;
  readonly attemptsMade: number;
  readonly at: number;
}

@Processor(TETHER_QUEUE)
@Injectable()
class Recorder {
  readonly runs: Run[] = [];
  gate: Promise<void> = Promise.resolve();
  /** Values whose first run fails. */
  readonly failOnce = new Set<string>();

  private record(job: QueuedJob<{ value: string }>) {
    this.runs.push({
      name: job.name,
      value: job.data.value,
      attemptsMade: job.attemptsMade,
      at: Date.now(),
    });
  }

  @Process({ name: 'echo', concurrency: 2 })
  async echo(job: QueuedJob<{ value: string }>): Promise<void> {
    await this.gate;
    this.record(job);
  }

  @Process('flaky')
  flaky(job: QueuedJob<{ value: string }>): Promise<void> {
    this.record(job);
    if (job.attemptsMade === 0 && this.failOnce.has(job.data.value)) {
      return Promise.reject(new Error('the receiver is down'));
    }
    return Promise.resolve();
  }
}

async function start(options: QueueModuleOptions) {
  const moduleRef = await Test.createTestingModule({
    imports: [QueueModule.forRoot(options)],
    providers: [Recorder],
  }).compile();
  await moduleRef.init();
  return {
    moduleRef,
    queue: moduleRef.get<JobQueue>(JobQueue),
    recorder: moduleRef.get(Recorder),
  };
}

function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out'));
      setTimeout(poll, 10);
    };
    poll();
  });
}

const modes: [string, () => QueueModuleOptions][] = [
  ['in-process', () => ({})],
  ['Bull on Redis', () => ({ redisUrl, prefix: `tether-test-${randomUUID()}` })],
];

describe.each(modes)('JobQueue with @Processor classes (%s)', (_mode, options) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  it('runs jobs through the @Process methods, deduplicates by job id and reports health', async () => {
    const { moduleRef, queue, recorder } = await start(options());
    close = () => moduleRef.close();
    let release: () => void = () => undefined;
    recorder.gate = new Promise<void>((resolve) => (release = resolve));
    await queue.add('echo', { value: 'a' }, { jobId: 'same' });
    await queue.add('echo', { value: 'b' }, { jobId: 'same' });
    await queue.add('echo', { value: 'c' });
    expect(await queue.depth()).toBeGreaterThanOrEqual(2);
    release();
    await waitFor(() => recorder.runs.length === 2);
    expect(recorder.runs.map((run) => run.value).sort()).toEqual(['a', 'c']);
    await waitFor(() => false, 100).catch(() => undefined);
    expect(recorder.runs).toHaveLength(2);
    expect((await queue.health()).ok).toBe(true);
  });

  it('delays jobs', async () => {
    const { moduleRef, queue, recorder } = await start(options());
    close = () => moduleRef.close();
    const addedAt = Date.now();
    await queue.add('echo', { value: 'later' }, { delayMs: 300 });
    await waitFor(() => recorder.runs.length === 1);
    expect(recorder.runs[0]!.at - addedAt).toBeGreaterThanOrEqual(250);
  });

  it('retries a job that failed after its backoff, as long as it has attempts', async () => {
    const { moduleRef, queue, recorder } = await start(options());
    close = () => moduleRef.close();
    recorder.failOnce.add('retried').add('once');
    const backoff = { delaysMs: [400] };
    await queue.add('flaky', { value: 'retried' }, { jobId: 'r', attempts: 2, backoff });
    await queue.add('flaky', { value: 'once' }, { attempts: 1, backoff });
    await waitFor(() => recorder.runs.length === 2);
    // While it waits for its retry, the same id is not queued again.
    await waitFor(() => false, 150).catch(() => undefined);
    await queue.add('flaky', { value: 'retried' }, { jobId: 'r', attempts: 2, backoff });
    await waitFor(() => recorder.runs.length === 3);
    const retried = recorder.runs.filter((run) => run.value === 'retried');
    expect(retried.map((run) => run.attemptsMade)).toEqual([0, 1]);
    // The scheduled wait, plus at most a tenth of it.
    const waited = retried[1]!.at - retried[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(1500);
    await waitFor(() => false, 600).catch(() => undefined);
    expect(recorder.runs.filter((run) => run.value === 'once')).toHaveLength(1);
    expect(recorder.runs.filter((run) => run.value === 'retried')).toHaveLength(2);
  });
});

describe('Bull on an unreachable Redis', () => {
  it('reports the queue unhealthy instead of hanging', async () => {
    const { moduleRef, queue } = await start({
      redisUrl: 'redis://127.0.0.1:1',
      prefix: 'unreachable',
    });
    const health = await queue.health();
    expect(health).toMatchObject({ kind: 'redis', ok: false });
    await moduleRef.close().catch(() => undefined);
  });
});
