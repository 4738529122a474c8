import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/knex';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, ConnectionEvent, Notification, User } from '@tether/persistence';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { ProviderRegistry } from '../providers/provider-registry';
import { Mailer } from './mailer';
import { alertMessage, type Message, recoveryMessage } from './notification-templates';

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
  async run(): Promise<void> {
    await this.prepare();
    await this.deliver();
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
        if (message) await this.store(em, event, connection, message);
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
      const incident = {
        expired: event.type === 'connection.expired',
        reason: data.reason ?? connection.reason,
        remedy: data.remedy ?? connection.remedy,
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

  private async store(
    em: EntityManager,
    event: ConnectionEvent,
    connection: Connection,
    { category, message }: { category: 'alert' | 'recovery'; message: Message },
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
        idempotency_key: `${category}:${connection.id}:${event.id}:${user.id}:${channel}`,
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
