import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue } from './job-queue';
import { QueueModule, type QueueModuleOptions } from './queue.module';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function start(options: QueueModuleOptions) {
  const moduleRef = await Test.createTestingModule({
    imports: [QueueModule.forRoot(options)],
  }).compile();
  await moduleRef.init();
  return { moduleRef, queue: moduleRef.get<JobQueue>(JobQueue) };
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

describe.each(modes)('JobQueue (%s)', (_mode, options) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  it('runs jobs, deduplicates by job id and reports health', async () => {
    const { moduleRef, queue } = await start(options());
    close = () => moduleRef.close();
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.process<{ value: string }>('echo', async ({ value }) => {
      await gate;
      seen.push(value);
    });
    await queue.add('echo', { value: 'a' }, { jobId: 'same' });
    await queue.add('echo', { value: 'b' }, { jobId: 'same' });
    await queue.add('echo', { value: 'c' });
    expect(await queue.depth()).toBeGreaterThanOrEqual(2);
    release();
    await waitFor(() => seen.length === 2);
    expect(seen.sort()).toEqual(['a', 'c']);
    await waitFor(() => false, 100).catch(() => undefined);
    expect(seen).toHaveLength(2);
    expect((await queue.health()).ok).toBe(true);
  });

  it('delays jobs', async () => {
    const { moduleRef, queue } = await start(options());
    close = () => moduleRef.close();
    const ranAt: number[] = [];
    queue.process('later', () => {
      ranAt.push(Date.now());
      return Promise.resolve();
    });
    const addedAt = Date.now();
    await queue.add('later', {}, { delayMs: 300 });
    await waitFor(() => ranAt.length === 1);
    expect(ranAt[0]! - addedAt).toBeGreaterThanOrEqual(250);
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
