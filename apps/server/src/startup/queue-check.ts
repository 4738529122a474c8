import type { INestApplicationContext } from '@nestjs/common';
import { JobQueue } from '@tether/scheduler';
import { ConfigurationError, type TetherConfig } from '../config/tether-config';

/** In distributed mode, makes sure Redis answers before the server takes requests. */
export async function checkQueue(
  app: INestApplicationContext,
  config: TetherConfig,
): Promise<void> {
  if (!config.redisUrl) return;
  const health = await app.get<JobQueue>(JobQueue).health();
  if (health.ok) return;
  const url = new URL(config.redisUrl);
  throw new ConfigurationError([
    `REDIS_URL: cannot reach Redis on ${url.hostname}:${url.port || '6379'} (${health.detail ?? 'no answer'}). Start Redis, or fix REDIS_URL.`,
  ]);
}
