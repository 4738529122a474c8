import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { followUpStep, reminderStep } from '@tether/core';
import { Connection } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { LIVE_STATUSES, renewalsExtendHardExpiry } from '@tether/core';
import { ProviderRegistry } from '../providers/provider-registry';
import { PageLinks } from '../pages/page-links';
import { type Accounts, loadedProvider, networkName } from './notice';
import { scheduleFor, workspaceSettings } from './notification-settings';
import { actorOf, followUpMessage, reminderMessage } from './notification-templates';
import { RecipientFanOut } from './recipient-fan-out';

const BATCH = 200;
/** How often to look again at a hard expiry that renewals are expected to move. */
const RENEWAL_RECHECK_MS = 6 * 3600 * 1000;
/** How long a reminder or follow-up that failed waits before it is tried again. */
const FAILED_GROUP_PAUSE_MS = 5 * 60 * 1000;

type DueColumn = 'nextReminderAt' | 'nextFollowUpAt';

/**
 * Reminders before a hard expiry only the owner can prevent, and follow-ups while an incident
 * stays open. Each connection says when its next step falls due (`nextReminderAt`,
 * `nextFollowUpAt`), so a run reads only those; the steps themselves come from `@tether/core`.
 */
@Injectable()
export class ReminderNotices {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly fanOut: RecipientFanOut,
    private readonly links: PageLinks,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /**
   * The latest reminder step that has come (14, 7, 3, 1 days before by default), once per
   * step and expiry date, for accounts sharing an authorization and a hard expiry.
   */
  async remind(now: Date): Promise<void> {
    await this.eachDueGroup(
      'Reminder',
      'nextReminderAt',
      now,
      (connection) => ({
        hardExpiresAt: connection.hardExpiresAt ?? null,
        status: connection.status,
      }),
      async (group) => {
        const [first] = group;
        const expiresAt = first.hardExpiresAt;
        // A connection that does not work is woken when it does again (see setHardExpiry).
        if (!expiresAt || expiresAt <= now || !LIVE_STATUSES.includes(first.status)) return null;
        const provider = loadedProvider(this.registry, first);
        // Its provider is not loaded right now: look again later.
        if (!provider) return new Date(now.getTime() + RENEWAL_RECHECK_MS);
        if (renewalsExtendHardExpiry(provider) && first.grant.nextRefreshAt) {
          // Renewals will move the expiry (and wake this up); look again in case they stop.
          return new Date(now.getTime() + RENEWAL_RECHECK_MS);
        }
        const schedule = scheduleFor(
          workspaceSettings(first.workspace),
          first.provider,
          'reminder',
          this.config,
        );
        const { due, nextAt } = reminderStep(schedule, expiresAt, now);
        if (due !== undefined) {
          await this.fanOut.send(group, {
            category: 'reminder',
            actor: 'owner',
            key: `reminder:${first.grant.id}:${expiresAt.getTime()}:${due}`,
            message: reminderMessage(
              group,
              provider.displayName,
              expiresAt,
              this.links.reconnect(first.id),
              this.config.emailTemplates,
            ),
            event: {
              type: 'connection.expiring',
              details: { expiresAt: expiresAt.toISOString() },
            },
          });
        }
        return nextAt ?? null;
      },
    );
  }

  /**
   * Follow-ups while connections stay revoked or expired, counted from their alert; they stop
   * once the incident is closed. Accounts alerted on together are followed up together.
   */
  async followUp(now: Date): Promise<void> {
    await this.eachDueGroup(
      'Follow-up',
      'nextFollowUpAt',
      now,
      (connection) => ({ alertedAt: connection.alertedAt ?? null, status: connection.status }),
      async (group) => {
        const [first] = group;
        const alertedAt = first.alertedAt;
        if (!alertedAt || !['revoked', 'expired'].includes(first.status)) return null;
        const schedule = scheduleFor(
          workspaceSettings(first.workspace),
          first.provider,
          'followUp',
          this.config,
        );
        const { step, nextAt } = followUpStep(schedule, alertedAt, now);
        if (step > 0) {
          await this.fanOut.send(group, {
            category: 'follow_up',
            actor: actorOf(first.reason),
            key: `follow_up:${first.grant.id}:${alertedAt.getTime()}:${step}`,
            message: followUpMessage(
              group,
              networkName(this.registry, first),
              alertedAt,
              this.links.reconnect(first.id),
              this.config.emailTemplates,
            ),
            event: {
              type: 'connection.unresolved',
              details: { reason: first.reason ?? null, since: alertedAt.toISOString() },
            },
          });
        }
        return nextAt ?? null;
      },
    );
  }

  /**
   * Runs `work` for each group of connections whose `due` moment has come, and stores when the
   * group is due next (`null`: not until something wakes it). A group is the due connection and
   * the rest of its authorization's accounts in the same state (`sameGroup`), due or not yet:
   * one message names them all. A group that fails is logged and put back by a while, so it
   * neither stops the others nor stays first in line.
   */
  private async eachDueGroup(
    kind: string,
    due: DueColumn,
    now: Date,
    sameGroup: (connection: Connection) => Record<string, unknown>,
    work: (group: Accounts) => Promise<Date | null>,
  ): Promise<void> {
    const em = this.em.fork();
    const populate = ['owner', 'grant', 'workspace'] as const;
    const rows = await em.find(
      Connection,
      { [due]: { $lte: now } },
      { populate, orderBy: { [due]: 'asc' }, limit: BATCH },
    );
    const seen = new Set<string>();
    for (const connection of rows) {
      const shared = sameGroup(connection);
      const key = `${connection.grant.id}:${JSON.stringify(shared)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const others = await em.find(
        Connection,
        { grant: connection.grant.id, id: { $ne: connection.id }, ...shared },
        { populate, orderBy: { createdAt: 'asc' } },
      );
      const group: Accounts = [connection, ...others];
      const next = (at: Date | null) =>
        em.nativeUpdate(
          Connection,
          { id: { $in: group.map((member) => member.id) } },
          { [due]: at },
        );
      try {
        await next(await work(group));
      } catch (error) {
        this.logger.warn(
          `${kind} for connection ${connection.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        await next(new Date(this.clock.now().getTime() + FAILED_GROUP_PAUSE_MS)).catch(
          () => undefined,
        );
      }
    }
  }
}
