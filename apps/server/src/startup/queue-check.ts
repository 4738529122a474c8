import type { INestApplicationContext } from '@nestjs/common';
import { JobQueue } from '@tether/scheduler';
import { Redis } from 'ioredis';
import { ConfigurationError, type TetherConfig } from '../config/tether-config';

const CONNECT_TIMEOUT_MS = 2000;

/** The problem with a Redis that does not answer, naming REDIS_URL (never its password). */
function unreachable(redisUrl: string, detail: string): ConfigurationError {
  const url = new URL(redisUrl);
  return new ConfigurationError([
    `REDIS_URL: cannot reach Redis on ${url.hostname}:${url.port || '6379'} (${detail}). Start Redis, or fix REDIS_URL.`,
  ]);
}

/** In distributed mode, makes sure Redis answers before the server takes requests. */
export async function checkQueue(
  app: INestApplicationContext,
  config: TetherConfig,
): Promise<void> {
  if (!config.redisUrl) return;
  const health = await app.get<JobQueue>(JobQueue).health();
  if (health.ok) return;
  throw unreachable(config.redisUrl, health.detail ?? 'no answer');
}

/**
 * The same check without a server: one connection, one ping, no retries (for
 * `tether check-config`).
 */
export async function checkRedis(config: TetherConfig): Promise<void> {
  if (!config.redisUrl) return;
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The socket's error says why (ECONNREFUSED…); the rejected call only that the link closed.
  let cause: unknown;
  redis.on('error', (error) => (cause = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    cause ??= error;
    const code = (cause as { code?: unknown }).code;
    throw unreachable(
      config.redisUrl,
      typeof code === 'string' ? code : cause instanceof Error ? cause.message : 'no answer',
    );
  } finally {
    redis.disconnect();
  }
}
