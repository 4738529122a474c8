import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { Notification } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { type Channel, DeliveryAttempts } from './delivery-attempts';
import { MAILER, type Mail, Mailer, SEND_CLAIM_MS } from './mailer';
import { digestMessage } from './notification-templates';

const BATCH = 200;
const MAX_ATTEMPTS = 5;

/**
 * Sends the email rows the notifier stored, one at a time through the shared claim → send →
 * retry path: 30 s, 1 min, 2 min, 4 min between tries, then given up. A digest row gathers,
 * when it is sent, everything still waiting for it.
 */
@Injectable()
export class EmailSender {
  private readonly channel: Channel<Notification>;

  constructor(
    private readonly em: EntityManager,
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly attempts: DeliveryAttempts,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) config: TetherConfig,
  ) {
    this.channel = {
      name: 'Email',
      kind: 'email',
      logged: (notification) => ({
        notificationId: notification.id,
        connectionId: notification.connectionId,
        category: notification.category,
      }),
      entity: Notification,
      pending: { sentAt: null },
      claimMs: Math.max(config.leaseSeconds * 1000, SEND_CLAIM_MS),
      send: (notification) => this.send(notification),
      retryDelayMs: (attempt) => (attempt < MAX_ATTEMPTS ? 30_000 * 2 ** (attempt - 1) : undefined),
      sent: (at) => ({ sentAt: at, lastError: null }),
      failed: (error) => ({ lastError: error.slice(0, 500) }),
      afterSent: async (notification, at) => {
        if (notification.category !== 'digest') return;
        await this.em
          .fork()
          .nativeUpdate(Notification, { digestId: notification.id }, { sentAt: at });
      },
      afterFailed: async (notification, _attempt, delayMs) => {
        if (notification.category !== 'digest' || delayMs !== undefined) return;
        // This digest is given up: what it gathered waits for the next one.
        await this.em
          .fork()
          .nativeUpdate(
            Notification,
            { digestId: notification.id, sentAt: null },
            { digestId: null },
          );
      },
    };
  }

  /**
   * Sends the email that is due, oldest first. `keepTurn` is asked before each send, which
   * takes time: once it answers `false` (another instance took the notifier over), this stops.
   * Says how many went out and how many failed.
   */
  async sendDue(keepTurn: () => Promise<boolean>): Promise<{ sent: number; failed: number }> {
    const pending = await this.em.fork().find(
      Notification,
      {
        channel: 'email',
        digest: false,
        sentAt: null,
        attempts: { $lt: MAX_ATTEMPTS },
        $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: this.clock.now() } }],
      },
      { populate: ['recipient'], orderBy: { createdAt: 'asc' }, limit: BATCH },
    );
    const tally = { sent: 0, failed: 0 };
    for (const notification of pending) {
      if (!(await keepTurn())) break;
      const outcome = await this.attempts.attempt(this.channel, notification);
      if (outcome) tally[outcome === 'delivered' ? 'sent' : 'failed']++;
    }
    return tally;
  }

  private async send(notification: Notification): Promise<void> {
    const mail = await this.compose(notification);
    // A digest that finds nothing left to gather counts as sent.
    if (!mail) return;
    await this.mailer.send({
      id: notification.id,
      to: notification.address ?? notification.recipient!.email,
      ...mail,
    });
  }

  /** The email a row sends: its own message, or for a digest what it gathers. */
  private async compose(notification: Notification): Promise<Omit<Mail, 'id' | 'to'> | undefined> {
    if (notification.category !== 'digest') {
      const body = JSON.parse(notification.body) as { text: string; html: string };
      return { subject: notification.subject, ...body };
    }
    const { before } = JSON.parse(notification.body) as { before: string };
    const em = this.em.fork();
    // Take everything still waiting from before the digest's interval; a retry finds it again.
    // The items count as sent once the digest is.
    await em.nativeUpdate(
      Notification,
      {
        recipient: notification.recipient!.id,
        digest: true,
        sentAt: null,
        digestId: null,
        createdAt: { $lt: new Date(before) },
      },
      { digestId: notification.id },
    );
    const gathered = await em.find(
      Notification,
      { digestId: notification.id },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    if (gathered.length === 0) return undefined;
    return digestMessage(
      gathered.map((item) => ({
        subject: item.subject,
        text: (JSON.parse(item.body) as { text: string }).text,
      })),
    );
  }
}
