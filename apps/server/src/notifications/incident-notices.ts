import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { Connection, ConnectionEvent, type ConnectionStatus } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { NOTIFIABLE_EVENTS } from '../connections/audit-trail';
import { ProviderRegistry } from '../providers/provider-registry';
import { PageLinks } from '../pages/page-links';
import { keyPart, loadedProvider, networkName } from './notice';
import {
  actorOf,
  alertMessage,
  operatorAlertMessage,
  recoveryMessage,
} from './notification-templates';
import { RecipientFanOut } from './recipient-fan-out';

const BATCH = 200;
const ALERT_EVENTS: readonly string[] = ['connection.revoked', 'connection.expired'];
/** Events that open an incident: an ending, or the operator's app refused (admins only). */
const OPENING_EVENTS: readonly string[] = [...ALERT_EVENTS, 'connection.degraded'];

/** What an opening event says about its incident. */
interface IncidentData {
  readonly reason?: string;
  readonly remedy?: string;
  readonly actor?: string;
}

/**
 * Turns status changes into incidents: an alert when connections are revoked or expire, and a
 * recovery note when they work again. A connection's `alertedAt` says which incident is open,
 * so an incident is alerted on once however often it is recorded, and follow-ups count from it.
 */
@Injectable()
export class IncidentNotices {
  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly fanOut: RecipientFanOut,
    private readonly links: PageLinks,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /** Works through the events not yet notified, oldest first. */
  async prepare(): Promise<void> {
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
      } else if (connection && event.type === 'connection.degraded') {
        // Recorded as notifiable only when the operator must act (see isNotifiable).
        await this.alert(em, event, connection, covered);
      } else if (connection?.alertedAt) {
        await this.recover(em, connection, covered);
      }
      await em.nativeUpdate(ConnectionEvent, { id: event.id }, { notifiedAt: this.clock.now() });
    }
  }

  /**
   * Opens an incident with one alert for the connection and the other accounts of its
   * authorization that ended the same way (same status, same reason) and wait for an alert:
   * they share the cause and the remedy. An account that ended alone, or for another reason,
   * is not named: it has an incident of its own.
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
        // Follow-ups are worked out from the alert at the next run.
        { alertedAt: event.createdAt, nextFollowUpAt: event.createdAt },
      );
    if ((await open(connection.id)) !== 1) return;
    // The status may have moved on since; the alert describes the incident as it was recorded.
    const data = JSON.parse(event.data) as IncidentData;
    const expired = event.type === 'connection.expired';
    const operator = event.type === 'connection.degraded';
    const status: ConnectionStatus = expired ? 'expired' : operator ? 'degraded' : 'revoked';
    const reason = data.reason ?? connection.reason;
    const group: [Connection, ...Connection[]] = [connection];
    const siblings = await em.fork().find(
      Connection,
      {
        grant: connection.grant.id,
        id: { $ne: connection.id },
        status,
        reason: reason ?? null,
        $or: [{ alertedAt: null }, { alertedAt: event.createdAt }],
      },
      { populate: ['owner', 'workspace'], orderBy: { createdAt: 'asc' } },
    );
    for (const sibling of siblings) if ((await open(sibling.id)) === 1) group.push(sibling);

    const actor = actorOf(reason, data.actor);
    const network = networkName(this.registry, connection);
    if (operator) {
      const remedy = data.remedy ?? connection.remedy;
      await this.fanOut.send(group, {
        category: 'alert',
        key: `alert:${connection.id}:${event.id}`,
        message: operatorAlertMessage(
          group,
          network,
          { reason, remedy },
          this.config.emailTemplates,
        ),
        actor,
        audience: 'admins',
        event: {
          type: 'connection.degraded',
          details: { reason: reason ?? null, remedy: remedy ?? null, reconnectBy: null },
        },
      });
      await this.cover(
        em,
        group.slice(1).map((sibling) => sibling.id),
        ['connection.degraded'],
        covered,
      );
      return;
    }
    const lapse = loadedProvider(this.registry, connection)?.afterLapse;
    const incident = {
      expired,
      reason,
      actor,
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
    await this.fanOut.send(group, {
      category: 'alert',
      key: `alert:${connection.id}:${event.id}`,
      message: alertMessage(
        group,
        network,
        incident,
        this.links.reconnect(connection.id),
        this.config.emailTemplates,
      ),
      actor,
      event: {
        type: expired ? 'connection.expired' : 'connection.revoked',
        details: {
          reason: incident.reason ?? null,
          remedy: incident.remedy ?? null,
          reconnectBy: incident.deadline?.by.toISOString() ?? null,
        },
      },
    });
    await this.cover(
      em,
      group.slice(1).map((sibling) => sibling.id),
      ALERT_EVENTS,
      covered,
    );
  }

  /** Closes an incident with one recovery note for every account of it that works again. */
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
    // An incident only the admins heard of (the operator's app refused) closes for them alone.
    const opening = await em
      .fork()
      .findOne(
        ConnectionEvent,
        { connectionId: connection.id, createdAt: alertedAt, type: { $in: [...OPENING_EVENTS] } },
        { fields: ['type'] },
      );
    await this.fanOut.send(group, {
      category: 'recovery',
      audience: opening?.type === 'connection.degraded' ? 'admins' : 'everyone',
      key: `recovery:${connection.grant.id}:${alertedAt.getTime()}:${keyPart([...ids].sort().join(','))}`,
      message: recoveryMessage(
        group,
        networkName(this.registry, connection),
        this.config.emailTemplates,
      ),
      event: { type: 'connection.recovered', details: {} },
    });
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
        { notifiedAt: this.clock.now() },
      );
    }
  }
}
