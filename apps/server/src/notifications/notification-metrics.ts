import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

/** How one attempt to send an email or a webhook delivery ended. */
export type AttemptOutcome = 'delivered' | 'failed' | 'given_up';

/** How one turn of the notifier ended. */
export type NotifierOutcome = 'completed' | 'skipped' | 'failed';

/** Prometheus metrics of outgoing email, webhook deliveries and the notifier's runs. */
@Injectable()
export class NotificationMetrics {
  private readonly emails: Counter<'outcome'>;
  private readonly webhooks: Counter<'outcome'>;
  private readonly runs: Counter<'outcome'>;
  private readonly runSeconds: Histogram;

  constructor(registry: MetricsRegistry) {
    this.emails = new Counter({
      name: 'tether_email_attempts_total',
      help: 'Attempts to send an email: sent, failed (tried again later) or given_up (failed, the last try).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.webhooks = new Counter({
      name: 'tether_webhook_attempts_total',
      help: 'Attempts to deliver a webhook: delivered, failed (tried again later) or given_up (failed, the last try).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.runs = new Counter({
      name: 'tether_notifier_runs_total',
      help: 'Turns of the notifier: completed, skipped (another instance holds its lease) or failed.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.runSeconds = new Histogram({
      name: 'tether_notifier_run_duration_seconds',
      help: 'Time one completed notifier run took, sending included.',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers: [registry],
    });
  }

  attempted(channel: 'email' | 'webhook', outcome: AttemptOutcome): void {
    if (channel === 'email')
      this.emails.inc({ outcome: outcome === 'delivered' ? 'sent' : outcome });
    else this.webhooks.inc({ outcome });
  }

  notifierRan(outcome: NotifierOutcome, milliseconds?: number): void {
    this.runs.inc({ outcome });
    if (milliseconds !== undefined) this.runSeconds.observe(milliseconds / 1000);
  }
}
