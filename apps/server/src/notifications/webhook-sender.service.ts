import { createHmac, randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Inject, Injectable } from '@nestjs/common';
import { Webhook, WebhookAttempt, WebhookDelivery } from '@tether/persistence';
import { JobQueue, Process, Processor, type QueuedJob, TETHER_QUEUE } from '@tether/scheduler';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { TokenCipher } from '../security/token-cipher';
import { type Channel, DeliveryAttempts } from './delivery-attempts';
import type { AttemptOutcome } from './notification-metrics';
import type { Accounts, Notice } from './notice';
import { postWebhook } from './webhook-target';

/** The event types a webhook can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'connection.expiring',
  // Only when the network refuses the operator's app: the operator must act.
  'connection.degraded',
  'connection.revoked',
  'connection.expired',
  'connection.unresolved',
  'connection.recovered',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

interface DeliveryJob {
  readonly deliveryId: string;
}

const BATCH = 200;
const TIMEOUT_MS = 10_000;

/** The AES-GCM binding of a webhook's signing secret. */
export function secretBinding(webhookId: string): string {
  return `webhooks:${webhookId}:secret`;
}

/**
 * The Standard Webhooks headers (https://www.standardwebhooks.com): `webhook-signature` is
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed with the secret's bytes (the
 * base64 after `whsec_`), so receivers verify with any ready-made library and reject old
 * timestamps, and a captured delivery cannot be replayed later. The id is the delivery's, the
 * same on every retry, so receivers can drop repeats.
 */
function signedHeaders(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${mac}`,
  };
}

/** What a delivery tells about the accounts, beyond the notice itself. */
interface DeliveryContext {
  readonly providerName: string;
  readonly reauthorizeUrl: string | undefined;
}

/**
 * Queues and sends webhook deliveries. Each attempt goes through the shared claim → send →
 * retry path and is recorded with what the receiver answered. A delivery's job carries the rest
 * of the retry schedule as its queue attempts and backoff, so the queue (Bull in distributed
 * mode) runs it again after each failure; the row records the same due time, and the notifier
 * re-queues deliveries whose time has come, so a lost job only delays one.
 */
@Injectable()
@Processor(TETHER_QUEUE)
export class WebhookSender {
  private readonly channel: Channel<WebhookDelivery>;

  constructor(
    private readonly em: EntityManager,
    @Inject(JobQueue) private readonly queue: JobQueue,
    private readonly cipher: TokenCipher,
    private readonly attempts: DeliveryAttempts,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {
    this.channel = {
      name: 'Webhook delivery',
      kind: 'webhook',
      logged: (delivery) => ({
        deliveryId: delivery.id,
        webhookId: delivery.webhook.id,
        type: delivery.eventType,
      }),
      entity: WebhookDelivery,
      pending: { nextAttemptAt: { $ne: null } },
      // Longer than the request may take, so nobody else tries while this one waits.
      claimMs: Math.max(config.leaseSeconds * 1000, TIMEOUT_MS + 5_000),
      send: (delivery) => this.post(delivery),
      // The queue's backoff waits this long, plus up to a tenth, before it runs the job again.
      retryDelayMs: (attempt) => {
        const wait = config.webhookRetrySeconds[attempt - 1];
        return wait === undefined ? undefined : wait * 1000;
      },
      sent: (at) => ({ deliveredAt: at }),
      failed: (_error, at, givenUp) => (givenUp ? { failedAt: at } : {}),
    };
  }

  /** One attempt; a failure with retries left rejects, so the queue runs it again. */
  @Process({ name: 'webhook.deliver', concurrency: 4 })
  async deliverJob(job: QueuedJob<DeliveryJob>): Promise<void> {
    const outcome = await this.deliver(job.data.deliveryId);
    if (outcome === 'failed') {
      throw new WebhookNotDelivered(`Delivery ${job.data.deliveryId} waits for its next attempt.`);
    }
  }

  /**
   * Stores one delivery of a notice for each of the workspace's webhooks that subscribe to its
   * event, and queues them at once. A delivery whose key exists already is left alone.
   */
  async queueNotice(accounts: Accounts, notice: Notice, context: DeliveryContext): Promise<void> {
    const [connection] = accounts;
    const now = this.clock.now();
    const hooks = await this.em
      .fork()
      .find(Webhook, { workspace: connection.workspace.id, deletedAt: null });
    const deliveries = hooks
      .filter((hook) => {
        const events = JSON.parse(hook.events) as string[];
        return events.length === 0 || events.includes(notice.event.type);
      })
      .map((hook) => {
        const id = randomUUID();
        const payload = {
          id,
          type: notice.event.type,
          createdAt: now.toISOString(),
          workspaceId: connection.workspace.id,
          connection: {
            id: connection.id,
            provider: connection.provider,
            providerName: context.providerName,
            name: connection.name,
            accountName: connection.accountName,
            status: connection.status,
          },
          // Every connection the notice covers, the one it is about included.
          accounts: accounts.map((account) => ({
            connectionId: account.id,
            name: account.name,
            accountName: account.accountName,
          })),
          // Who must act: the owner, an admin of the account, the operator; null when nobody must.
          actor: notice.actor ?? null,
          ...notice.event.details,
          reauthorizeUrl: context.reauthorizeUrl ?? null,
          message: { subject: notice.message.subject, text: notice.message.text },
        };
        return {
          id,
          webhook_id: hook.id,
          idempotency_key: `${notice.key}:webhook:${hook.id}`,
          event_type: notice.event.type,
          payload: JSON.stringify(payload),
          created_at: now,
          attempts: 0,
          next_attempt_at: now,
        };
      });
    if (deliveries.length === 0) return;
    await (this.em as SqlEntityManager)
      .getKnex()('webhook_deliveries')
      .insert(deliveries)
      .onConflict('idempotency_key')
      .ignore();
    // A delivery whose key existed was not stored; its job finds nothing to do.
    for (const delivery of deliveries) await this.enqueue(delivery.id, 0);
  }

  /**
   * Queues a delivery that has had `attemptsMade` attempts, with the rest of the retry schedule
   * as the job's attempts and backoff (none left after a redelivery: one attempt).
   */
  private async enqueue(deliveryId: string, attemptsMade: number): Promise<void> {
    const waitsMs = this.config.webhookRetrySeconds
      .slice(attemptsMade)
      .map((seconds) => seconds * 1000);
    await this.queue.add<DeliveryJob>(
      'webhook.deliver',
      { deliveryId },
      {
        jobId: `webhook:${deliveryId}:${attemptsMade}`,
        attempts: waitsMs.length + 1,
        ...(waitsMs.length > 0 ? { backoff: { delaysMs: waitsMs } } : {}),
      },
    );
  }

  /**
   * Queues every delivery whose next attempt is due: new ones, and ones whose job was lost. Says
   * how many.
   */
  async requeueDue(now: Date): Promise<number> {
    const due = await this.em
      .fork()
      .find(
        WebhookDelivery,
        { nextAttemptAt: { $lte: now } },
        { fields: ['id', 'attempts'], orderBy: { nextAttemptAt: 'asc' }, limit: BATCH },
      );
    for (const delivery of due) await this.enqueue(delivery.id, delivery.attempts);
    return due.length;
  }

  /** One attempt of a delivery, if it is still due and no other instance took it. */
  private async deliver(deliveryId: string): Promise<AttemptOutcome | undefined> {
    const em = this.em.fork();
    const delivery = await em.findOne(
      WebhookDelivery,
      { id: deliveryId },
      { populate: ['webhook'] },
    );
    const now = this.clock.now();
    if (!delivery?.nextAttemptAt || delivery.nextAttemptAt > now) return;
    if (delivery.webhook.deletedAt) {
      // Unsubscribed since it was queued: nothing more goes to it.
      await em.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id, nextAttemptAt: { $ne: null } },
        { nextAttemptAt: null, failedAt: now },
      );
      return undefined;
    }
    return this.attempts.attempt(this.channel, delivery);
  }

  /** Sends one attempt and records it with what the receiver answered; rejects if it failed. */
  private async post(delivery: WebhookDelivery): Promise<void> {
    const webhook = delivery.webhook;
    const started = this.clock.now();
    let statusCode: number | undefined;
    let error: string | undefined;
    try {
      const secret = this.cipher.decrypt(webhook.secret, secretBinding(webhook.id));
      statusCode = await postWebhook(
        webhook.url,
        delivery.payload,
        {
          'content-type': 'application/json',
          'user-agent': 'Tether-Webhooks/1',
          'tether-event': delivery.eventType,
          ...signedHeaders(
            secret,
            delivery.id,
            Math.floor(started.getTime() / 1000),
            delivery.payload,
          ),
        },
        { timeoutMs: TIMEOUT_MS, publicOnly: !this.config.webhookPrivateTargets },
      );
      if (statusCode < 200 || statusCode >= 300) error = `The receiver answered ${statusCode}.`;
    } catch (cause) {
      const code = describe(cause);
      error =
        code === 'ETIMEDOUT'
          ? `No answer within ${TIMEOUT_MS / 1000} s.`
          : code === 'EPRIVATEADDRESS'
            ? 'Refused: the URL is or resolves to a private address (see TETHER_WEBHOOK_PRIVATE_TARGETS).'
            : `Could not reach the receiver: ${code}.`;
    }
    const finished = this.clock.now();
    const em = this.em.fork();
    em.create(WebhookAttempt, {
      id: randomUUID(),
      delivery: delivery.id,
      attemptedAt: finished,
      durationMs: finished.getTime() - started.getTime(),
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(error ? { error } : {}),
    });
    await em.flush();
    if (error) throw new WebhookNotDelivered(error);
  }
}

/** A webhook attempt that did not land; the message says why, never the URL or secret. */
class WebhookNotDelivered extends Error {
  readonly code = 'WEBHOOK_NOT_DELIVERED';
}

/**
 * Why a request could not be sent, as a code (`ECONNREFUSED`, `ENOTFOUND`…): never the error's
 * message, which can quote the URL and whatever secret it holds.
 */
function describe(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'the request failed before an answer';
}
