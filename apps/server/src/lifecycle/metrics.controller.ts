import { EntityManager } from '@mikro-orm/core';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { JobQueue } from '@tether/scheduler';
import { Public } from '../identity/principal';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { NetworkBreakers } from './network-breakers';

function label(value: string): string {
  return value.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * Prometheus text: connections by provider and status, each network's circuit breaker (this
 * instance's), queue depth, and the registry: refreshes, latencies, sweep duration, HTTP
 * requests, email and webhook attempts, notifier runs, Node's process metrics.
 */
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly breakers: NetworkBreakers,
    private readonly em: EntityManager,
    @Inject(JobQueue) private readonly queue: JobQueue,
  ) {}

  @Get()
  @Public()
  // Probes and scrapers poll it from one address: not counted against the public limit.
  @SkipThrottle({ public: true })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Connections by provider and status, each network’s circuit breaker in this instance, queue depth, refreshes and their latency, sweep duration, HTTP requests, email and webhook attempts, notifier runs, and Node’s process metrics. No key: keep it off the public internet.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The metrics',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example:
          '# HELP tether_connections Connections by provider and status.\n# TYPE tether_connections gauge\ntether_connections{provider="linkedin",status="active"} 12\n',
      },
    },
  })
  async scrape(): Promise<string> {
    const rows = (await this.em
      .getConnection()
      .execute(
        'select provider, status, count(*) as count from connections group by provider, status',
      )) as { provider: string; status: string; count: string | number }[];
    const connections = [
      '# HELP tether_connections Connections by provider and status.',
      '# TYPE tether_connections gauge',
      ...rows.map(
        (row) =>
          `tether_connections{provider="${label(row.provider)}",status="${label(row.status)}"} ${Number(row.count)}`,
      ),
      '# HELP tether_network_breaker_state Each network’s circuit breaker in this instance: 1 for its state.',
      '# TYPE tether_network_breaker_state gauge',
      ...this.breakers
        .phases()
        .flatMap(({ provider, phase }) =>
          (['closed', 'open', 'half_open'] as const).map(
            (state) =>
              `tether_network_breaker_state{provider="${label(provider)}",state="${state}"} ${state === phase ? 1 : 0}`,
          ),
        ),
      '# HELP tether_queue_depth Jobs waiting, delayed or running.',
      '# TYPE tether_queue_depth gauge',
      `tether_queue_depth ${await this.queue.depth()}`,
    ].join('\n');
    return `${connections}\n${await this.registry.metrics()}`;
  }
}
