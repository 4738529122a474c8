import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/knex';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Connection,
  ConnectionEvent,
  Notification,
  type NotificationCategory,
  User,
} from '@tether/persistence';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { renewalsExtendHardExpiry } from '../lifecycle/lifecycle-policy';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { Mailer } from './mailer';
import {
  alertMessage,
  followUpMessage,
  type Message,
  recoveryMessage,
  reminderMessage,
} from './notification-templates';

const BATCH = 200;
const MAX_ATTEMPTS = 5;
const ALERT_EVENTS = ['connection.revoked', 'connection.expired'];

/** Mailer injection token. */
export const MAILER = Symbol('Mailer');

/**
 * Turns lifecycle events into messages: an alert when a connection is revoked or expires, and a
 * recovery note when one that was alerted on works again, to its owner and the workspace's
 * admins, in the in-app feed and by email. Each message has an idempotency key (connection,
 * event, recipient, channel) under a unique index: retries, restarts and replicas never create
 * one twice, and an email is claimed by one instance before it is sent.
 */
@Injectable()
export class NotifierService {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /** Prepares messages for new events, then delivers pending email. */
  async run(now: Date = new Date()): Promise<void> {
    await this.prepare();
    await this.remind(now);
    await this.followUp(now);
    await this.deliver();
  }

  private network(connection: Connection): ActiveProvider | undefined {
    return this.registry.list().find((active) => active.id === connection.provider);
  }

  /**
   * Reminders before a hard expiry that renewals will not push back: the latest step that has
   * come (14, 7, 3, 1 days before by default), once per step and expiry date.
   */
  private async remind(now: Date): Promise<void> {
    const schedule = this.config.reminderScheduleSeconds;
    if (schedule.length === 0) return;
    const em = this.em.fork();
    const horizon = new Date(now.getTime() + schedule[0]! * 1000);
    const closing = await em.find(
      Connection,
      {
        hardExpiresAt: { $gt: now, $lte: horizon },
        status: { $in: ['active', 'expiring', 'degraded'] },
      },
      { populate: ['owner', 'grant'], limit: BATCH },
    );
    for (const connection of closing) {
      const active = this.network(connection);
      if (!active || (renewalsExtendHardExpiry(active.provider) && connection.grant.nextRefreshAt))
        continue;
      const expiresAt = connection.hardExpiresAt!;
      const left = (expiresAt.getTime() - now.getTime()) / 1000;
      const step = [...schedule].reverse().find((seconds) => left <= seconds);
      if (step === undefined) continue;
      await this.storeFor(
        em,
        connection,
        'reminder',
        `reminder:${connection.id}:${expiresAt.getTime()}:${step}`,
        {
          ...reminderMessage(
            connection,
            active.provider.displayName,
            expiresAt,
            this.reauthorizeLink(connection.id),
          ),
        },
      );
    }
  }

  /** Follow-ups while a connection stays revoked or expired, after its latest alert; stops once it is fixed. */
  private async followUp(now: Date): Promise<void> {
    const schedule = this.config.followUpScheduleSeconds;
    if (schedule.length === 0) return;
    const em = this.em.fork();
    const broken = await em.find(
      Connection,
      { status: { $in: ['revoked', 'expired'] } },
      { populate: ['owner'], limit: BATCH },
    );
    for (const connection of broken) {
      const [alert] = await em.find(
        Notification,
        { connectionId: connection.id, category: 'alert' },
        { orderBy: { createdAt: 'desc' }, limit: 1 },
      );
      if (!alert) continue;
      const elapsed = (now.getTime() - alert.createdAt.getTime()) / 1000;
      const last = schedule[schedule.length - 1]!;
      const gap = schedule.length > 1 ? last - schedule[schedule.length - 2]! : last;
      // Steps of the schedule, then the last gap again and again.
      const step =
        elapsed < schedule[0]!
          ? 0
          : elapsed <= last
            ? schedule.filter((seconds) => seconds <= elapsed).length
            : schedule.length + Math.floor((elapsed - last) / gap);
      if (step === 0) continue;
      const network = this.network(connection)?.provider.displayName ?? connection.provider;
      await this.storeFor(
        em,
        connection,
        'follow_up',
        `follow_up:${connection.id}:${alert.createdAt.getTime()}:${step}`,
        followUpMessage(connection, network, alert.createdAt, this.reauthorizeLink(connection.id)),
      );
    }
  }

  private reauthorizeLink(connectionId: string): string | undefined {
    return this.config.reauthorizeUrl?.replace('{connectionId}', encodeURIComponent(connectionId));
  }

  private async prepare(): Promise<void> {
    const em = this.em.fork();
    const events = await em.find(
      ConnectionEvent,
      { notifiedAt: null },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit: BATCH },
    );
    for (const event of events) {
      const connection = await em.findOne(
        Connection,
        { id: event.connectionId },
        { populate: ['owner'] },
      );
      if (connection) {
        const message = await this.messageFor(em, event, connection);
        if (message) {
          await this.storeFor(
            em,
            connection,
            message.category,
            `${message.category}:${connection.id}:${event.id}`,
            message.message,
          );
        }
      }
      await em.nativeUpdate(ConnectionEvent, { id: event.id }, { notifiedAt: new Date() });
    }
  }

  private async messageFor(
    em: EntityManager,
    event: ConnectionEvent,
    connection: Connection,
  ): Promise<{ category: 'alert' | 'recovery'; message: Message } | undefined> {
    const network =
      this.registry.list().find((active) => active.id === connection.provider)?.provider
        .displayName ?? connection.provider;
    if (ALERT_EVENTS.includes(event.type)) {
      // The status may have moved on since; the alert describes the incident as it was recorded.
      const data = JSON.parse(event.data) as { reason?: string; remedy?: string };
      const lapse = this.network(connection)?.provider.afterLapse;
      const incident = {
        expired: event.type === 'connection.expired',
        reason: data.reason ?? connection.reason,
        remedy: data.remedy ?? connection.remedy,
        ...(lapse
          ? {
              deadline: {
                by: new Date(event.createdAt.getTime() + lapse.reconnectWithinDays * 86_400_000),
                consequence: lapse.consequence,
              },
            }
          : {}),
      };
      return {
        category: 'alert',
        message: alertMessage(connection, network, incident, this.reauthorizeLink(connection.id)),
      };
    }
    // A recovery note only follows an alert that had no recovery note yet.
    const [lastAlert] = await em.find(
      Notification,
      { connectionId: connection.id, category: 'alert' },
      { orderBy: { createdAt: 'desc' }, limit: 1 },
    );
    const [lastRecovery] = await em.find(
      Notification,
      { connectionId: connection.id, category: 'recovery' },
      { orderBy: { createdAt: 'desc' }, limit: 1 },
    );
    if (!lastAlert || (lastRecovery && lastRecovery.createdAt >= lastAlert.createdAt))
      return undefined;
    return { category: 'recovery', message: recoveryMessage(connection, network) };
  }

  /** Stores a message for the owner and the admins on every channel; an existing key is left alone. */
  private async storeFor(
    em: EntityManager,
    connection: Connection,
    category: NotificationCategory,
    key: string,
    message: Message,
  ): Promise<void> {
    const admins = await em.find(User, { workspace: connection.workspace, role: 'admin' });
    const recipients = new Map<string, User>();
    if (connection.owner) recipients.set(connection.owner.id, connection.owner);
    for (const admin of admins) recipients.set(admin.id, admin);
    const now = new Date();
    const rows = [...recipients.values()].flatMap((user) =>
      (['in_app', 'email'] as const).map((channel) => ({
        id: randomUUID(),
        workspace_id: connection.workspace.id,
        connection_id: connection.id,
        recipient_id: user.id,
        channel,
        category,
        idempotency_key: `${key}:${user.id}:${channel}`,
        subject: message.subject,
        body:
          channel === 'email'
            ? JSON.stringify({ text: message.text, html: message.html })
            : message.text,
        created_at: now,
        sent_at: channel === 'in_app' ? now : null,
        attempts: 0,
      })),
    );
    if (rows.length === 0) return;
    const knex = (em as unknown as { getKnex(): Knex }).getKnex();
    await knex('notifications').insert(rows).onConflict('idempotency_key').ignore();
  }

  private async deliver(): Promise<void> {
    const em = this.em.fork();
    const pending = await em.find(
      Notification,
      { channel: 'email', sentAt: null, attempts: { $lt: MAX_ATTEMPTS } },
      { populate: ['recipient'], orderBy: { createdAt: 'asc' }, limit: BATCH },
    );
    for (const notification of pending) {
      // Claim it: of several instances, only the one whose update lands sends it.
      const claimed = await this.em
        .fork()
        .nativeUpdate(
          Notification,
          { id: notification.id, sentAt: null, attempts: notification.attempts },
          { attempts: notification.attempts + 1 },
        );
      if (claimed !== 1) continue;
      const body = JSON.parse(notification.body) as { text: string; html: string };
      try {
        await this.mailer.send({
          id: notification.id,
          to: notification.recipient.email,
          subject: notification.subject,
          ...body,
        });
        await this.em
          .fork()
          .nativeUpdate(
            Notification,
            { id: notification.id },
            { sentAt: new Date(), lastError: null },
          );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn(`Email ${notification.id} not delivered: ${reason}`);
        await this.em
          .fork()
          .nativeUpdate(Notification, { id: notification.id }, { lastError: reason.slice(0, 500) });
      }
    }
  }
}
