import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Inject, Injectable } from '@nestjs/common';
import { Notification, User } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { ProviderRegistry } from '../providers/provider-registry';
import { PageLinks } from '../pages/page-links';
import { type Accounts, keyPart, type Notice, networkName } from './notice';
import {
  effectivePreferences,
  preferenceCategory,
  preferences,
  workspaceSettings,
} from './notification-settings';
import { WebhookSender } from './webhook-sender.service';

const BATCH = 200;

/** A `notifications` row as stored. */
interface NotificationRow {
  id: string;
  workspace_id: string;
  connection_id: string;
  recipient_id: string | null;
  address: string | null;
  channel: 'in_app' | 'email';
  category: string;
  idempotency_key: string;
  subject: string;
  body: string;
  created_at: Date;
  sent_at: Date | null;
  attempts: number;
  digest: boolean;
  actor: string | null;
}

/**
 * Who hears of a notice, and how: the accounts' owners and the workspace's admins on the
 * channels they chose (in-app feed, email, or email gathered into a digest), the extra
 * addresses the workspace named for the provider, and the workspace's webhooks. Every row is
 * stored under the notice's key plus recipient and channel, so a notice stored twice (a retry,
 * another instance) reaches nobody twice.
 */
@Injectable()
export class RecipientFanOut {
  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly webhooks: WebhookSender,
    private readonly links: PageLinks,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  private notifications() {
    return (this.em as SqlEntityManager).getKnex()('notifications');
  }

  async send(accounts: Accounts, notice: Notice): Promise<void> {
    const [connection] = accounts;
    const admins = await this.em
      .fork()
      .find(User, { workspace: connection.workspace.id, role: 'admin' });
    const users = new Map<string, User>();
    // The operator's problems go to the workspace's admins alone: no owner can fix them.
    const adminsOnly = notice.audience === 'admins';
    if (!adminsOnly) for (const { owner } of accounts) if (owner) users.set(owner.id, owner);
    for (const admin of admins) users.set(admin.id, admin);
    const now = this.clock.now();
    const { message } = notice;
    const row = (fields: {
      recipientId: string | null;
      address: string | null;
      channel: 'in_app' | 'email';
      keySuffix: string;
      digest?: boolean;
    }): NotificationRow => ({
      id: randomUUID(),
      workspace_id: connection.workspace.id,
      connection_id: connection.id,
      recipient_id: fields.recipientId,
      address: fields.address,
      channel: fields.channel,
      category: notice.category,
      idempotency_key: `${notice.key}:${fields.keySuffix}`,
      subject: message.subject,
      body:
        fields.channel === 'email'
          ? JSON.stringify({ text: message.text, html: message.html })
          : message.text,
      created_at: now,
      // Feed entries are there as soon as they are stored.
      sent_at: fields.channel === 'in_app' ? now : null,
      attempts: 0,
      digest: fields.digest ?? false,
      actor: notice.actor ?? null,
    });
    const rows = [...users.values()].flatMap((user) => {
      const chosen = effectivePreferences(preferences(user));
      const channels = chosen.categories[preferenceCategory(notice.category)];
      return [
        ...(channels.inApp
          ? [
              row({
                recipientId: user.id,
                address: null,
                channel: 'in_app',
                keySuffix: `${user.id}:in_app`,
              }),
            ]
          : []),
        ...(channels.email
          ? [
              row({
                recipientId: user.id,
                address: user.email,
                channel: 'email',
                keySuffix: `${user.id}:email`,
                digest: chosen.digest === 'daily',
              }),
            ]
          : []),
      ];
    });
    // Extra addresses get email only, and nothing twice when they are users' addresses too.
    const addresses = new Set([...users.values()].map((user) => user.email.toLowerCase()));
    const extra = adminsOnly
      ? []
      : (workspaceSettings(connection.workspace).providers[connection.provider]?.extraRecipients ??
        []);
    for (const address of extra) {
      if (addresses.has(address.toLowerCase())) continue;
      addresses.add(address.toLowerCase());
      rows.push(
        row({
          recipientId: null,
          address,
          channel: 'email',
          keySuffix: `address:${keyPart(address.toLowerCase())}:email`,
        }),
      );
    }
    if (rows.length > 0) {
      await this.notifications().insert(rows).onConflict('idempotency_key').ignore();
    }
    await this.webhooks.queueNotice(accounts, notice, {
      providerName: networkName(this.registry, connection),
      reauthorizeUrl: this.links.reconnect(connection.id),
    });
  }

  /**
   * Once per digest interval, one digest email per person with email waiting for it. The
   * digest's key (person, interval) makes it one however many instances run this.
   */
  async gatherDigests(now: Date): Promise<void> {
    const intervalMs = this.config.digestIntervalSeconds * 1000;
    const windowStart = new Date(Math.floor(now.getTime() / intervalMs) * intervalMs);
    const waiting = await this.em
      .fork()
      .find(
        Notification,
        { digest: true, sentAt: null, digestId: null, createdAt: { $lt: windowStart } },
        { populate: ['recipient'], limit: BATCH },
      );
    const people = new Map(waiting.flatMap((n) => (n.recipient ? [[n.recipient.id, n]] : [])));
    if (people.size === 0) return;
    const rows = [...people.values()].map((first): NotificationRow => ({
      id: randomUUID(),
      workspace_id: first.workspace.id,
      connection_id: '',
      recipient_id: first.recipient!.id,
      address: first.recipient!.email,
      channel: 'email',
      category: 'digest',
      idempotency_key: `digest:${first.recipient!.id}:${windowStart.getTime()}`,
      subject: 'Tether digest',
      // What the digest covers is settled when it is sent, by the instance that claims it.
      body: JSON.stringify({ before: windowStart.toISOString() }),
      created_at: now,
      sent_at: null,
      attempts: 0,
      digest: false,
      actor: null,
    }));
    await this.notifications().insert(rows).onConflict('idempotency_key').ignore();
  }
}
