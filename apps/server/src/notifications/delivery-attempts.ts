import type { EntityClass, EntityData, FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { type AttemptOutcome, NotificationMetrics } from './notification-metrics';

/** A stored message that goes out over the network: an email or a webhook delivery. */
interface Attempted {
  id: string;
  /** Attempts claimed so far; also the version a claim compares and sets. */
  attempts: number;
  /** Not before then: an instance is sending it, or it failed and waits to be tried again. */
  nextAttemptAt?: Date;
}

/** What one channel brings to the shared claim → send → retry path. */
export interface Channel<T extends Attempted> {
  /** Its name in logs (`Email`, `Webhook delivery`). */
  readonly name: string;
  /** Its name in log fields and metrics. */
  readonly kind: 'email' | 'webhook';
  /** What identifies an item in a log line: ids and types, never addresses or content. */
  logged(item: T): Record<string, unknown>;
  readonly entity: EntityClass<T>;
  /** What else must hold for an item to be claimed: it has not gone out, nor been given up. */
  readonly pending: FilterQuery<T>;
  /** How long a claim keeps other instances off an item: longer than a send can take. */
  readonly claimMs: number;
  /** Sends it; rejects with why it did not land (the message is stored, so no secrets). */
  send(item: T): Promise<void>;
  /** How long to wait after failed attempt `attempt` (from 1); `undefined` gives it up. */
  retryDelayMs(attempt: number): number | undefined;
  /** Columns that record that it landed. */
  sent(at: Date): EntityData<T>;
  /** Columns that record a failed attempt, and whether it was the last. */
  failed(error: string, at: Date, givenUp: boolean): EntityData<T>;
  /** Runs once it landed, after the row says so. */
  afterSent?(item: T, at: Date): Promise<void>;
  /** Runs after a failed attempt: `delayMs` until the next one, or `undefined` once given up. */
  afterFailed?(item: T, attempt: number, delayMs: number | undefined): Promise<void>;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one claim → send → retry path of every outgoing channel. An attempt is claimed with a
 * compare-and-set on the attempt count, so of several instances only one sends it, and nobody
 * tries again while the send may still be under way; it then lands, or waits its channel's
 * retry delay, or is given up.
 */
@Injectable()
export class DeliveryAttempts {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly em: EntityManager,
    private readonly metrics: NotificationMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** One attempt, logged and counted; `undefined` when another instance has the item. */
  async attempt<T extends Attempted>(
    channel: Channel<T>,
    item: T,
  ): Promise<AttemptOutcome | undefined> {
    const attempt = item.attempts + 1;
    // MikroORM cannot narrow filters and data over a generic entity; these name only
    // Attempted's columns and the channel's own.
    const update = (set: object, where: object = {}) =>
      this.em.fork().nativeUpdate(channel.entity, { id: item.id, ...where } as FilterQuery<T>, set);
    const claimedAt = this.clock.now();
    const claimed = await update(
      { attempts: attempt, nextAttemptAt: new Date(claimedAt.getTime() + channel.claimMs) },
      { attempts: item.attempts, ...(channel.pending as object) },
    );
    if (claimed !== 1) return undefined;
    const fields = { channel: channel.kind, ...channel.logged(item), attempt };
    try {
      await channel.send(item);
    } catch (error) {
      const reason = describe(error);
      const at = this.clock.now();
      const delayMs = channel.retryDelayMs(attempt);
      const outcome = delayMs === undefined ? 'given_up' : 'failed';
      this.metrics.attempted(channel.kind, outcome);
      this.logger.warn({
        event: `${channel.kind}.${outcome}`,
        ...fields,
        error: reason,
        ...(delayMs === undefined ? {} : { retryInSeconds: Math.round(delayMs / 1000) }),
        msg:
          delayMs === undefined
            ? `${channel.name} ${item.id} given up after ${attempt} attempts: ${reason}`
            : `${channel.name} ${item.id} not delivered (attempt ${attempt}): ${reason}`,
      });
      await update({
        ...channel.failed(reason, at, delayMs === undefined),
        nextAttemptAt: delayMs === undefined ? null : new Date(at.getTime() + delayMs),
      });
      await channel.afterFailed?.(item, attempt, delayMs);
      return outcome;
    }
    const at = this.clock.now();
    await update({ ...channel.sent(at), nextAttemptAt: null });
    this.metrics.attempted(channel.kind, 'delivered');
    this.logger.log({
      event: `${channel.kind}.${channel.kind === 'email' ? 'sent' : 'delivered'}`,
      ...fields,
      msg: `${channel.name} ${item.id} ${channel.kind === 'email' ? 'sent' : 'delivered'} (attempt ${attempt})`,
    });
    await channel.afterSent?.(item, at);
    return 'delivered';
  }
}
