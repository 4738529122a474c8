import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

/** How long counting one request may take before it goes on uncounted. */
const COUNT_TIMEOUT_MS = 500;

type CountRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const UNCOUNTED: CountRecord = {
  totalHits: 0,
  timeToExpire: 0,
  isBlocked: false,
  timeToBlockExpire: 0,
};

/**
 * Rate-limit counts in the Redis the queue uses (its own connection, under the queue's key
 * prefix), so every instance counts against the same limits. While Redis does not answer,
 * requests go on uncounted: the limits protect the service, and losing them must not take the
 * API down with them.
 */
export class RedisRateLimitStorage implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RateLimits');
  private readonly redis: Redis;
  private readonly counts: ThrottlerStorageRedisService;
  private failing = false;

  constructor(redisUrl: string, prefix: string) {
    this.redis = new Redis(redisUrl, {
      keyPrefix: `${prefix}:rate-limit:`,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COUNT_TIMEOUT_MS,
    });
    // Failures are reported once per outage by increment(); the client reconnects by itself.
    this.redis.on('error', () => undefined);
    this.counts = new ThrottlerStorageRedisService(this.redis);
  }

  async onModuleInit(): Promise<void> {
    // An unreachable Redis is reported by the start-up check (REDIS_URL), not here.
    await this.redis.connect().catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<CountRecord> {
    try {
      const record = await this.counts.increment(key, ttl, limit, blockDuration, throttlerName);
      if (this.failing) {
        this.failing = false;
        this.logger.log('Redis answers again: requests are counted against the rate limits.');
      }
      return record;
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(
          `Cannot count requests in Redis (${error instanceof Error ? error.message : String(error)}): rate limits are off until it answers.`,
        );
      }
      return UNCOUNTED;
    }
  }
}
