import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EntityManager } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/knex';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  Connection,
  ConnectionEvent,
  Notification,
  type NotificationCategory,
  User,
  Webhook,
} from '@tether/persistence';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { NOTIFIABLE_EVENTS } from '../connections/audit-trail';
import { LIVE_STATUSES } from '../connections/status-transition';
import { renewalsExtendHardExpiry } from '../lifecycle/lifecycle-policy';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { Mailer, SEND_CLAIM_MS } from './mailer';
import {
  effectivePreferences,
  preferenceCategory,
  preferences,
  scheduleFor,
  workspaceSettings,
} from './notification-settings';
import {
  alertMessage,
  digestMessage,
  followUpMessage,
  type Message,
  recoveryMessage,
  reminderMessage,
} from './notification-templates';
import { WebhookSender, type WebhookEventType } from './webhook-sender.service';

/** What a message is about, for webhook receivers: the event and its details. */
interface Incident {
  readonly type: WebhookEventType;
  readonly details: Readonly<Record<string, unknown>>;
}

const BATCH = 200;
/** How often to look again at a hard expiry that renewals are expected to move. */
const RENEWAL_RECHECK_MS = 6 * 3600 * 1000;
/** How long a reminder or follow-up that failed waits before it is tried again. */
const FAILED_GROUP_PAUSE_MS = 5 * 60 * 1000;
const MAX_ATTEMPTS = 5;
const ALERT_EVENTS: readonly string[] = ['connection.revoked', 'connection.expired'];

/** Mailer injection token. */
export const MAILER = Symbol('Mailer');

/** A short, stable stand-in for a longer value (an address, a list of ids) inside a key. */
function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/**
 * Turns lifecycle events into messages: reminders before a hard expiry, an alert when a
 * connection is revoked or expires, follow-ups while it stays broken, and a recovery note when it
 * works again. They go to the owner and the workspace's admins by their preferences (in-app feed,
 * email, or email gathered into a daily digest), to extra addresses the workspace named for the
 * provider, and to the workspace's webhooks. Each message has an idempotency key (connection,
 * incident, step, recipient, channel) under a unique index: retries, restarts and replicas never
 * create one twice, and an email is claimed by one instance before it is sent.
 */
@Injectable()
export class NotifierService implements OnApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  private readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly webhooks: WebhookSender,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /**
   * Prepares messages for new events and due steps, then delivers pending email and webhooks.
   * One instance does it, under the `notifier` lease: it keeps the lease while it runs, and
   * another instance takes over once a lease it stopped renewing runs out.
   */
  async run(now: Date = new Date()): Promise<void> {
    if (!(await this.lease('notifier'))) return;
    const running = (async () => {
      await this.prepare();
      await this.remind(now);
      await this.followUp(now);
      await this.gatherDigests(now);
      await this.deliver();
      await this.webhooks.requeueDue(now);
    })();
    this.running = running;
    try {
      await running;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * On a clean shutdown, stops taking the lease, lets a run under way finish, and hands the
   * lease back, so another instance need not wait it out.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
    await this.knex()('leases')
      .where({ name: 'notifier', owner: this.instanceId })
      .update({ expires_at_ms: 0 })
      .catch(() => undefined);
  }

  private knex(): Knex {
    return (this.em as unknown as { getKnex(): Knex }).getKnex();
  }

  /** How long a claim holds: the lease, and never less than a send can take. */
  private claimMs(): number {
    return Math.max(this.config.leaseSeconds * 1000, SEND_CLAIM_MS);
  }

  /** Takes (or extends) the named lease, if nobody else holds it. */
  private async lease(name: string): Promise<boolean> {
    if (this.stopping) return false;
    const knex = this.knex();
    const take = () => {
      const now = Date.now();
      return knex('leases')
        .where({ name })
        .andWhere((free) => {
          void free.where('owner', this.instanceId).orWhere('expires_at_ms', '<', now);
        })
        .update({ owner: this.instanceId, expires_at_ms: now + this.claimMs() });
    };
    if ((await take()) === 1) return true;
    // The first time anywhere: the lease's row does not exist yet.
    await knex('leases')
      .insert({ name, owner: this.instanceId, expires_at_ms: 0 })
      .onConflict('name')
      .ignore();
    return (await take()) === 1;
  }

  private network(connection: Connection): ActiveProvider | undefined {
    return this.registry.list().find((active) => active.id === connection.provider);
  }

  private networkName(connection: Connection): string {
    return this.network(connection)?.provider.displayName ?? connection.provider;
  }

  /**
   * Connections whose reminder or follow-up is due, page by page, as groups sharing an
   * authorization (and the same hard expiry or incident): they are told about together.
   */
  private async dueGroups(
    em: EntityManager,
    due: 'nextReminderAt' | 'nextFollowUpAt',
    now: Date,
    sameGroup: (connection: Connection) => Record<string, unknown>,
  ): Promise<[Connection, ...Connection[]][]> {
    const rows = await em.find(
      Connection,
      { [due]: { $lte: now } },
      { populate: ['owner', 'grant', 'workspace'], orderBy: { [due]: 'asc' }, limit: BATCH },
    );
    const groups = new Map<string, [Connection, ...Connection[]]>();
    for (const connection of rows) {
      const shared = sameGroup(connection);
      const key = `${connection.grant.id}:${JSON.stringify(shared)}`;
      if (groups.has(key)) continue;
      // The rest of the authorization's accounts in the same state, due or not yet: one
      // message names them all.
      const others = await em.find(
        Connection,
        { grant: connection.grant.id, id: { $ne: connection.id }, ...shared },
        { populate: ['owner', 'grant', 'workspace'], orderBy: { createdAt: 'asc' } },
      );
      groups.set(key, [connection, ...others]);
    }
    return [...groups.values()];
  }

  /**
   * Runs `work` for each group. A group that fails is logged and put back by a while, so it
   * neither stops the others nor stays first in line.
   */
  private async eachGroup(
    em: EntityManager,
    kind: string,
    due: 'nextReminderAt' | 'nextFollowUpAt',
    groups: [Connection, ...Connection[]][],
    work: (
      group: [Connection, ...Connection[]],
      /** Sets when the group is due next; `null`: not until something wakes it. */
      next: (at: Date | null) => Promise<unknown>,
    ) => Promise<void>,
  ): Promise<void> {
    for (const group of groups) {
      const next = (at: Date | null) =>
        em.nativeUpdate(
          Connection,
          { id: { $in: group.map((connection) => connection.id) } },
          { [due]: at },
        );
      try {
        await work(group, next);
      } catch (error) {
        this.logger.warn(
          `${kind} for connection ${group[0].id} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        await next(new Date(Date.now() + FAILED_GROUP_PAUSE_MS)).catch(() => undefined);
      }
    }
  }

  /**
   * Reminders before a hard expiry that renewals will not push back: the latest step that has
   * come (14, 7, 3, 1 days before by default), once per step and expiry date. Each connection
   * says when its next step falls due, so a sweep reads only those.
   */
  private async remind(now: Date): Promise<void> {
    const em = this.em.fork();
    const groups = await this.dueGroups(em, 'nextReminderAt', now, (connection) => ({
      hardExpiresAt: connection.hardExpiresAt ?? null,
      status: connection.status,
    }));
    await this.eachGroup(em, 'Reminder', 'nextReminderAt', groups, async (group, next) => {
      const [first] = group;
      const expiresAt = first.hardExpiresAt;
      // A connection that does not work is woken when it does again (see setHardExpiry).
      if (!expiresAt || expiresAt <= now || !LIVE_STATUSES.includes(first.status)) {
        return void (await next(null));
      }
      const active = this.network(first);
      // Its provider is not loaded right now: look again later.
      if (!active) return void (await next(new Date(now.getTime() + RENEWAL_RECHECK_MS)));
      if (renewalsExtendHardExpiry(active.provider) && first.grant.nextRefreshAt) {
        // Renewals will move the expiry (and wake this up); look again in case they stop.
        return void (await next(new Date(now.getTime() + RENEWAL_RECHECK_MS)));
      }
      const schedule = scheduleFor(
        workspaceSettings(first.workspace),
        first.provider,
        'reminder',
        this.config,
      );
      const left = (expiresAt.getTime() - now.getTime()) / 1000;
      // Largest first: the latest step that has come, and the one after it.
      const step = [...schedule].reverse().find((seconds) => left <= seconds);
      const following = schedule.find((seconds) => seconds < (step ?? Infinity));
      if (step !== undefined) {
        await this.storeFor(
          em,
          group,
          'reminder',
          `reminder:${first.grant.id}:${expiresAt.getTime()}:${step}`,
          reminderMessage(
            group,
            active.provider.displayName,
            expiresAt,
            this.reauthorizeLink(first.id),
          ),
          { type: 'connection.expiring', details: { expiresAt: expiresAt.toISOString() } },
        );
      }
      await next(following === undefined ? null : new Date(expiresAt.getTime() - following * 1000));
    });
  }

  /**
   * Follow-ups while connections stay revoked or expired, counted from their alert; they stop
   * once the incident is closed. Accounts alerted on together are followed up together.
   */
  private async followUp(now: Date): Promise<void> {
    const em = this.em.fork();
    const groups = await this.dueGroups(em, 'nextFollowUpAt', now, (connection) => ({
      alertedAt: connection.alertedAt ?? null,
      status: connection.status,
    }));
    await this.eachGroup(em, 'Follow-up', 'nextFollowUpAt', groups, async (group, next) => {
      const [first] = group;
      const alertedAt = first.alertedAt;
      if (!alertedAt || !['revoked', 'expired'].includes(first.status)) {
        return void (await next(null));
      }
      const schedule = scheduleFor(
        workspaceSettings(first.workspace),
        first.provider,
        'followUp',
        this.config,
      );
      if (schedule.length === 0) return void (await next(null));
      const last = schedule[schedule.length - 1]!;
      const gap = schedule.length > 1 ? last - schedule[schedule.length - 2]! : last;
      // Seconds after the alert of step k (from 1): the schedule, then the last gap again and again.
      const stepAt = (k: number) =>
        k <= schedule.length ? schedule[k - 1]! : last + (k - schedule.length) * gap;
      const elapsed = (now.getTime() - alertedAt.getTime()) / 1000;
      const step =
        elapsed < schedule[0]!
          ? 0
          : elapsed <= last
            ? schedule.filter((seconds) => seconds <= elapsed).length
            : schedule.length + Math.floor((elapsed - last) / gap);
      if (step > 0) {
        await this.storeFor(
          em,
          group,
          'follow_up',
          `follow_up:${first.grant.id}:${alertedAt.getTime()}:${step}`,
          followUpMessage(
            group,
            this.networkName(first),
            alertedAt,
            this.reauthorizeLink(first.id),
          ),
          {
            type: 'connection.unresolved',
            details: { reason: first.reason ?? null, since: alertedAt.toISOString() },
          },
        );
      }
      await next(new Date(alertedAt.getTime() + stepAt(step + 1) * 1000));
    });
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
    // Events another event's message already covered.
    const covered = new Set<string>();
    for (const event of events) {
      if (covered.has(event.id)) continue;
      // A fresh read per event: an earlier event of the batch may have opened or closed the incident.
      const connection = await em
        .fork()
        .findOne(Connection, { id: event.connectionId }, { populate: ['owner', 'workspace'] });
      if (connection && ALERT_EVENTS.includes(event.type)) {
        await this.alert(em, event, connection, covered);
      } else if (connection?.alertedAt) {
        await this.recover(em, connection, covered);
      }
      await em.nativeUpdate(ConnectionEvent, { id: event.id }, { notifiedAt: new Date() });
    }
  }

  /**
   * Opens an incident with one alert for the connection and every other account of its
   * authorization that ended too and waits for an alert: they share the cause and the remedy.
   * The connection's `alertedAt` says which incident is open, so an open incident is alerted on
   * once, however often it is reported; follow-ups count from it.
   */
  private async alert(
    em: EntityManager,
    event: ConnectionEvent,
    connection: Connection,
    covered: Set<string>,
  ): Promise<void> {
    const open = (id: string) =>
      em.nativeUpdate(
        Connection,
        { id, $or: [{ alertedAt: null }, { alertedAt: event.createdAt }] },
        // Follow-ups are worked out from the alert at the next sweep.
        { alertedAt: event.createdAt, nextFollowUpAt: event.createdAt },
      );
    if ((await open(connection.id)) !== 1) return;
    const group: [Connection, ...Connection[]] = [connection];
    const siblings = await em.fork().find(
      Connection,
      {
        grant: connection.grant.id,
        id: { $ne: connection.id },
        status: { $in: ['revoked', 'expired'] },
        $or: [{ alertedAt: null }, { alertedAt: event.createdAt }],
      },
      { populate: ['owner', 'workspace'], orderBy: { createdAt: 'asc' } },
    );
    for (const sibling of siblings) if ((await open(sibling.id)) === 1) group.push(sibling);

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
    await this.storeFor(
      em,
      group,
      'alert',
      `alert:${connection.id}:${event.id}`,
      alertMessage(
        group,
        this.networkName(connection),
        incident,
        this.reauthorizeLink(connection.id),
      ),
      {
        type: incident.expired ? 'connection.expired' : 'connection.revoked',
        details: {
          reason: incident.reason ?? null,
          remedy: incident.remedy ?? null,
          reconnectBy: incident.deadline?.by.toISOString() ?? null,
        },
      },
    );
    await this.cover(
      em,
      group.slice(1).map((sibling) => sibling.id),
      ALERT_EVENTS,
      covered,
    );
  }

  /**
   * Closes an incident with one recovery note for every account of it that works again.
   */
  private async recover(
    em: EntityManager,
    connection: Connection,
    covered: Set<string>,
  ): Promise<void> {
    const alertedAt = connection.alertedAt!;
    const others = await em
      .fork()
      .find(
        Connection,
        { grant: connection.grant.id, id: { $ne: connection.id }, alertedAt, status: 'active' },
        { populate: ['owner', 'workspace'], orderBy: { createdAt: 'asc' } },
      );
    const group: [Connection, ...Connection[]] = [connection, ...others];
    const ids = group.map((member) => member.id);
    await this.storeFor(
      em,
      group,
      'recovery',
      `recovery:${connection.grant.id}:${alertedAt.getTime()}:${shortHash([...ids].sort().join(','))}`,
      recoveryMessage(group, this.networkName(connection)),
      { type: 'connection.recovered', details: {} },
    );
    await em.nativeUpdate(
      Connection,
      { id: { $in: ids }, alertedAt },
      { alertedAt: null, nextFollowUpAt: null },
    );
    await this.cover(
      em,
      others.map((other) => other.id),
      NOTIFIABLE_EVENTS.filter((type) => !ALERT_EVENTS.includes(type)),
      covered,
    );
  }

  /** Marks the waiting events of these types on these connections as handled by a message. */
  private async cover(
    em: EntityManager,
    connectionIds: readonly string[],
    types: readonly string[],
    covered: Set<string>,
  ): Promise<void> {
    if (connectionIds.length === 0) return;
    const waiting = await em
      .fork()
      .find(
        ConnectionEvent,
        { connectionId: { $in: [...connectionIds] }, type: { $in: [...types] }, notifiedAt: null },
        { fields: ['id'] },
      );
    for (const event of waiting) covered.add(event.id);
    if (waiting.length > 0) {
      await em.nativeUpdate(
        ConnectionEvent,
        { id: { $in: waiting.map((event) => event.id) } },
        { notifiedAt: new Date() },
      );
    }
  }

  /**
   * Stores a message for everyone who should get it: the owner and the admins on the channels
   * they chose, the provider's extra addresses by email, and the workspace's webhooks that
   * subscribe to the event. A key that exists already is left alone.
   */
  private async storeFor(
    em: EntityManager,
    connections: readonly [Connection, ...Connection[]],
    category: NotificationCategory,
    key: string,
    message: Message,
    incident: Incident,
  ): Promise<void> {
    const [connection] = connections;
    const admins = await em.find(User, { workspace: connection.workspace, role: 'admin' });
    const users = new Map<string, User>();
    for (const { owner } of connections) if (owner) users.set(owner.id, owner);
    for (const admin of admins) users.set(admin.id, admin);
    const now = new Date();
    const email = JSON.stringify({ text: message.text, html: message.html });
    const row = (fields: {
      recipientId: string | null;
      address: string | null;
      channel: 'in_app' | 'email';
      keySuffix: string;
      digest?: boolean;
    }) => ({
      id: randomUUID(),
      workspace_id: connection.workspace.id,
      connection_id: connection.id,
      recipient_id: fields.recipientId,
      address: fields.address,
      channel: fields.channel,
      category,
      idempotency_key: `${key}:${fields.keySuffix}`,
      subject: message.subject,
      body: fields.channel === 'email' ? email : message.text,
      created_at: now,
      // Feed entries are there as soon as they are stored.
      sent_at: fields.channel === 'in_app' ? now : null,
      attempts: 0,
      digest: fields.digest ?? false,
    });
    const rows = [...users.values()].flatMap((user) => {
      const chosen = effectivePreferences(preferences(user));
      const channels = chosen.categories[preferenceCategory(category)];
      return [
        row({
          recipientId: user.id,
          address: null,
          channel: 'in_app',
          keySuffix: `${user.id}:in_app`,
        }),
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
      ].filter((candidate) => candidate.channel === 'email' || channels.inApp);
    });
    const addresses = new Set([...users.values()].map((user) => user.email.toLowerCase()));
    for (const address of workspaceSettings(connection.workspace).providers[connection.provider]
      ?.extraRecipients ?? []) {
      if (addresses.has(address.toLowerCase())) continue;
      addresses.add(address.toLowerCase());
      rows.push(
        row({
          recipientId: null,
          address,
          channel: 'email',
          keySuffix: `address:${shortHash(address.toLowerCase())}:email`,
        }),
      );
    }
    const knex = this.knex();
    if (rows.length > 0) {
      await knex('notifications').insert(rows).onConflict('idempotency_key').ignore();
    }
    await this.storeDeliveries(knex, connections, key, message, incident, now);
  }

  /**
   * One delivery per subscribed webhook, queued at once. `connection` is the one the incident
   * started with; `accounts` lists every connection it covers, that one included.
   */
  private async storeDeliveries(
    knex: Knex,
    connections: readonly [Connection, ...Connection[]],
    key: string,
    message: Message,
    incident: Incident,
    now: Date,
  ): Promise<void> {
    const [connection] = connections;
    const hooks = await this.em
      .fork()
      .find(Webhook, { workspace: connection.workspace.id, deletedAt: null });
    const deliveries = hooks
      .filter((hook) => {
        const events = JSON.parse(hook.events) as string[];
        return events.length === 0 || events.includes(incident.type);
      })
      .map((hook) => {
        const id = randomUUID();
        const link = this.reauthorizeLink(connection.id);
        const payload = {
          id,
          type: incident.type,
          createdAt: now.toISOString(),
          workspaceId: connection.workspace.id,
          connection: {
            id: connection.id,
            provider: connection.provider,
            providerName: this.networkName(connection),
            name: connection.name,
            accountName: connection.accountName,
            status: connection.status,
          },
          accounts: connections.map((account) => ({
            connectionId: account.id,
            name: account.name,
            accountName: account.accountName,
          })),
          ...incident.details,
          reauthorizeUrl: link ?? null,
          message: { subject: message.subject, text: message.text },
        };
        return {
          id,
          webhook_id: hook.id,
          idempotency_key: `${key}:webhook:${hook.id}`,
          event_type: incident.type,
          payload: JSON.stringify(payload),
          created_at: now,
          attempts: 0,
          next_attempt_at: now,
        };
      });
    if (deliveries.length === 0) return;
    await knex('webhook_deliveries').insert(deliveries).onConflict('idempotency_key').ignore();
    // A delivery whose key existed was not stored; its job finds nothing to do.
    for (const delivery of deliveries) await this.webhooks.enqueue(delivery.id, 0);
  }

  /**
   * Once per digest interval, one digest email per person with email waiting for it. The
   * digest's key (person, interval) makes it one however many instances run this.
   */
  private async gatherDigests(now: Date): Promise<void> {
    const intervalMs = this.config.digestIntervalSeconds * 1000;
    const windowStart = new Date(Math.floor(now.getTime() / intervalMs) * intervalMs);
    const em = this.em.fork();
    const waiting = await em.find(
      Notification,
      { digest: true, sentAt: null, digestId: null, createdAt: { $lt: windowStart } },
      { populate: ['recipient'], limit: BATCH },
    );
    const people = new Map(waiting.flatMap((n) => (n.recipient ? [[n.recipient.id, n]] : [])));
    if (people.size === 0) return;
    const knex = this.knex();
    const rows = [...people.values()].map((first) => ({
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
    }));
    await knex('notifications').insert(rows).onConflict('idempotency_key').ignore();
  }

  /** The email a notification row sends: its own message, or for a digest what it gathers. */
  private async emailFor(
    notification: Notification,
  ): Promise<{ subject: string; text: string; html: string } | undefined> {
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

  private async deliver(): Promise<void> {
    const em = this.em.fork();
    const now = new Date();
    const pending = await em.find(
      Notification,
      {
        channel: 'email',
        digest: false,
        sentAt: null,
        attempts: { $lt: MAX_ATTEMPTS },
        $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }],
      },
      { populate: ['recipient'], orderBy: { createdAt: 'asc' }, limit: BATCH },
    );
    for (const notification of pending) {
      // Sends take time: keep the turn, or stop if another instance has taken it over.
      if (!(await this.lease('notifier'))) return;
      // Claim it: of several instances, only the one whose update lands sends it, and nobody
      // tries again while the send may still be under way.
      const claimed = await this.em.fork().nativeUpdate(
        Notification,
        { id: notification.id, sentAt: null, attempts: notification.attempts },
        {
          attempts: notification.attempts + 1,
          nextAttemptAt: new Date(Date.now() + this.claimMs()),
        },
      );
      if (claimed !== 1) continue;
      try {
        const mail = await this.emailFor(notification);
        if (mail) {
          await this.mailer.send({
            id: notification.id,
            to: notification.address ?? notification.recipient!.email,
            ...mail,
          });
        }
        const sentAt = new Date();
        await this.em
          .fork()
          .nativeUpdate(
            Notification,
            { id: notification.id },
            { sentAt, nextAttemptAt: null, lastError: null },
          );
        if (notification.category === 'digest') {
          await this.em
            .fork()
            .nativeUpdate(Notification, { digestId: notification.id }, { sentAt });
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn(`Email ${notification.id} not delivered: ${reason}`);
        if (notification.category === 'digest' && notification.attempts + 1 >= MAX_ATTEMPTS) {
          // This digest is given up: what it gathered waits for the next one.
          await this.em
            .fork()
            .nativeUpdate(
              Notification,
              { digestId: notification.id, sentAt: null },
              { digestId: null },
            );
        }
        // 30 s, 1 min, 2 min, 4 min before the next tries.
        const waitMs = 30_000 * 2 ** notification.attempts;
        await this.em
          .fork()
          .nativeUpdate(
            Notification,
            { id: notification.id },
            { lastError: reason.slice(0, 500), nextAttemptAt: new Date(Date.now() + waitMs) },
          );
      }
    }
  }
}
