import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EntityManager } from '@mikro-orm/core';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { type Lease, namedLease } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { EmailSender } from './email-sender';
import { IncidentNotices } from './incident-notices';
import { NotificationMetrics } from './notification-metrics';
import { SEND_CLAIM_MS } from './mailer';
import { RecipientFanOut } from './recipient-fan-out';
import { ReminderNotices } from './reminder-notices';
import { WebhookSender } from './webhook-sender.service';
import { loggableMessage } from '../logging/loggable-error';
import { scheduleFromSettings } from '../schedule/settings-interval';

const INTERVAL = 'notifier';

/**
 * Runs the notifications on their own interval (the sweep's): alerts and recovery notes for
 * new events, due reminders and follow-ups, digests, then pending email and webhooks. One
 * instance at a time does it, under the `notifier` lease: it keeps the lease while it runs,
 * another instance takes over once a lease nobody renews runs out, and a clean shutdown hands
 * it over at once.
 */
@Injectable()
export class NotifierService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  /** This instance's name on the lease: host, process id (read by tests and operators), nonce. */
  private readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly lease: Lease;
  /** How long the lease holds without renewal: never less than a send can take. */
  private readonly holdMs: number;
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    em: EntityManager,
    private readonly incidents: IncidentNotices,
    private readonly reminders: ReminderNotices,
    private readonly fanOut: RecipientFanOut,
    private readonly email: EmailSender,
    private readonly webhooks: WebhookSender,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: NotificationMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {
    this.lease = namedLease(em, 'notifier');
    this.holdMs = Math.max(config.leaseSeconds * 1000, SEND_CLAIM_MS);
  }

  onApplicationBootstrap(): void {
    scheduleFromSettings(this.scheduler, INTERVAL, this.config.sweepIntervalSeconds, () =>
      this.run(),
    );
  }

  /**
   * One pass, if this instance holds (or can take) the lease. A pass already under way here is
   * joined rather than started twice.
   */
  run(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const started = performance.now();
    try {
      const now = this.clock.now();
      if (this.stopping || !(await this.lease.acquire(this.instanceId, now, this.holdMs))) {
        this.metrics.notifierRan('skipped');
        return;
      }
      await this.incidents.prepare();
      await this.reminders.remind(now);
      await this.reminders.followUp(now);
      await this.fanOut.gatherDigests(now);
      // Sends take time: keep the turn, or stop if another instance has taken it over.
      const emails = await this.email.sendDue(
        async () =>
          !this.stopping &&
          (await this.lease.renew(this.instanceId, this.clock.now(), this.holdMs)),
      );
      const webhooksQueued = await this.webhooks.requeueDue(now);
      const durationMs = Math.round(performance.now() - started);
      this.metrics.notifierRan('completed', durationMs);
      this.logger.log({
        event: 'notifier.run',
        emailsSent: emails.sent,
        emailsFailed: emails.failed,
        webhooksQueued,
        durationMs,
        msg: `Notifier run: ${emails.sent} emails sent, ${emails.failed} failed, ${webhooksQueued} webhook deliveries queued`,
      });
    } catch (error) {
      this.metrics.notifierRan('failed');
      this.logger.error({
        event: 'notifier.failed',
        error: loggableMessage(error),
        msg: `Notifier run failed: ${loggableMessage(error)}`,
      });
    }
  }

  /**
   * Stops the interval, lets a pass under way finish, and hands the lease back, so another
   * instance need not wait it out. Before shutdown, while the database is still there.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', INTERVAL)) this.scheduler.deleteInterval(INTERVAL);
    await this.running;
    await this.lease.release(this.instanceId).catch(() => undefined);
  }
}
