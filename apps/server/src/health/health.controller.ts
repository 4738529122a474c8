import { EntityManager } from '@mikro-orm/core';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { JobQueue } from '@tether/scheduler';
import type { Response } from 'express';
import type { z } from 'zod';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { schemaRef } from '../http/api-schemas';
import { Public } from '../identity/principal';
import { healthSchema } from './health-schemas';

const CHECK_TIMEOUT_MS = 3000;

async function withTimeout<T>(work: Promise<T>): Promise<T> {
  // Work that loses the race still settles later (a rejection once a link closes): handled.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness and dependencies, for load balancers and operators. Public; reveals no settings. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly em: EntityManager,
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  @Get()
  @Public()
  // Probes and scrapers poll it from one address: not counted against the public limit.
  @SkipThrottle({ public: true })
  @ApiOperation({ summary: 'Process, database and queue health' })
  @ApiOkResponse({ description: 'Everything is healthy', schema: schemaRef(healthSchema) })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down; `checks` says which',
    schema: schemaRef(healthSchema),
  })
  async health(
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.infer<typeof healthSchema>> {
    const database = await withTimeout(this.em.getConnection().execute('select 1 as ok'))
      .then(() => ({ ok: true }))
      .catch((error: unknown) => ({
        ok: false,
        detail: error instanceof Error ? error.message : 'unreachable',
      }));
    const queue = await this.queue.health();
    const checks = {
      process: {
        ok: true,
        uptimeSeconds: Math.round(process.uptime()),
        rssBytes: process.memoryUsage().rss,
      },
      database: { kind: this.config.databaseUrl ? 'postgresql' : 'sqlite', ...database },
      queue,
    };
    const ok = checks.database.ok && checks.queue.ok;
    response.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}
