import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

/** Prometheus metrics of the lifecycle engine; `GET /metrics` adds the gauges read at scrape time. */
@Injectable()
export class LifecycleMetrics {
  private readonly refreshes: Counter<'provider' | 'outcome' | 'reason'>;
  private readonly refreshSeconds: Histogram<'provider'>;
  private readonly tokensLost: Counter<'provider'>;
  private readonly saveRetries: Counter;
  private readonly breakerOpenings: Counter<'provider'>;
  private readonly withheld: Counter<'provider'>;
  /** Due work the sweep claimed and queued, by kind (refresh, check, account-check). */
  readonly handedOut: Counter<'work'>;
  readonly sweepSeconds: Histogram;

  constructor(registry: MetricsRegistry) {
    this.refreshes = new Counter({
      name: 'tether_refreshes_total',
      help: 'Token refreshes by provider, outcome and reason.',
      labelNames: ['provider', 'outcome', 'reason'] as const,
      registers: [registry],
    });
    this.refreshSeconds = new Histogram({
      name: 'tether_refresh_duration_seconds',
      help: 'Time a token refresh took at the network.',
      labelNames: ['provider'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.tokensLost = new Counter({
      name: 'tether_tokens_lost_total',
      help: 'Grants ended because Tether lost a renewed token (an interrupted refresh on a rotating network), by provider.',
      labelNames: ['provider'] as const,
      registers: [registry],
    });
    this.saveRetries = new Counter({
      name: 'tether_token_save_retries_total',
      help: 'Retries of saving renewed tokens while the database could not be reached.',
      registers: [registry],
    });
    this.breakerOpenings = new Counter({
      name: 'tether_network_breaker_openings_total',
      help: 'Times a network’s circuit breaker opened (a storm began, or a probe failed).',
      labelNames: ['provider'] as const,
      registers: [registry],
    });
    this.withheld = new Counter({
      name: 'tether_network_calls_withheld_total',
      help: 'Lifecycle calls not sent because the network’s circuit breaker held them back.',
      labelNames: ['provider'] as const,
      registers: [registry],
    });
    this.handedOut = new Counter({
      name: 'tether_sweep_handed_out_total',
      help: 'Due work the sweep claimed and queued, by kind.',
      labelNames: ['work'] as const,
      registers: [registry],
    });
    this.sweepSeconds = new Histogram({
      name: 'tether_sweep_duration_seconds',
      help: 'Time one sweep of due work took.',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    });
  }

  refreshed(
    provider: string,
    outcome: 'success' | 'failure',
    reason: string | undefined,
    milliseconds: number,
  ): void {
    this.refreshes.inc({ provider, outcome, reason: reason ?? 'none' });
    this.refreshSeconds.observe({ provider }, milliseconds / 1000);
  }

  tokenLost(provider: string): void {
    this.tokensLost.inc({ provider });
  }

  saveRetried(): void {
    this.saveRetries.inc();
  }

  breakerOpened(provider: string): void {
    this.breakerOpenings.inc({ provider });
  }

  callWithheld(provider: string): void {
    this.withheld.inc({ provider });
  }
}
