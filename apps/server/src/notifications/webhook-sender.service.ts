import { createHmac, randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { WebhookAttempt, WebhookDelivery } from '@tether/persistence';
import { JobQueue } from '@tether/scheduler';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { TokenCipher } from '../security/token-cipher';
import { postWebhook } from './webhook-target';

/** The event types a webhook can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'connection.expiring',
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
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes the HMAC
 * with its secret and rejects old timestamps, so a captured delivery cannot be replayed later.
 */
export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Sends webhook deliveries from the queue. Each attempt is claimed by one instance, recorded
 * with what the receiver answered, and on failure tried again after the next wait of the retry
 * schedule. The sweep re-queues deliveries whose time has come, so a lost job only delays one.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly em: EntityManager,
    @Inject(JobQueue) private readonly queue: JobQueue,
    private readonly cipher: TokenCipher,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.process<DeliveryJob>('webhook.deliver', (job) => this.deliver(job.deliveryId), 4);
  }

  /** Queues a delivery's next attempt, after `delayMs`. */
  async enqueue(deliveryId: string, attempt: number, delayMs = 0): Promise<void> {
    await this.queue.add<DeliveryJob>(
      'webhook.deliver',
      { deliveryId },
      { jobId: `webhook:${deliveryId}:${attempt}`, delayMs },
    );
  }

  /** Queues every delivery whose next attempt is due: new ones, and ones whose job was lost. */
  async requeueDue(now: Date): Promise<void> {
    const due = await this.em
      .fork()
      .find(
        WebhookDelivery,
        { nextAttemptAt: { $lte: now } },
        { fields: ['id', 'attempts'], orderBy: { nextAttemptAt: 'asc' }, limit: BATCH },
      );
    for (const delivery of due) await this.enqueue(delivery.id, delivery.attempts);
  }

  /** One attempt of a delivery, if it is still due and no other instance took it. */
  async deliver(deliveryId: string): Promise<void> {
    const em = this.em.fork();
    const delivery = await em.findOne(
      WebhookDelivery,
      { id: deliveryId },
      { populate: ['webhook'] },
    );
    const now = new Date();
    if (!delivery?.nextAttemptAt || delivery.nextAttemptAt > now) return;
    const attempt = delivery.attempts + 1;
    // Claim the attempt; should this instance die, the delivery is due again after the lease.
    const claimed = await em.nativeUpdate(
      WebhookDelivery,
      { id: delivery.id, attempts: delivery.attempts, nextAttemptAt: { $ne: null } },
      {
        attempts: attempt,
        // Longer than the request may take, so nobody else tries while this one waits.
        nextAttemptAt: new Date(
          now.getTime() + Math.max(this.config.leaseSeconds * 1000, TIMEOUT_MS + 5_000),
        ),
      },
    );
    if (claimed !== 1) return;
    const webhook = delivery.webhook;
    if (webhook.deletedAt) {
      await em.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id },
        { nextAttemptAt: null, failedAt: now },
      );
      return;
    }

    const started = Date.now();
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
          'tether-delivery': delivery.id,
          'tether-event': delivery.eventType,
          'tether-signature': signature(secret, Math.floor(Date.now() / 1000), delivery.payload),
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
    const finished = new Date();
    em.create(WebhookAttempt, {
      id: randomUUID(),
      delivery,
      attemptedAt: finished,
      durationMs: finished.getTime() - started,
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(error ? { error } : {}),
    });
    await em.flush();

    if (!error) {
      await em.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id },
        { nextAttemptAt: null, deliveredAt: finished },
      );
      return;
    }
    const wait = this.config.webhookRetrySeconds[attempt - 1];
    if (wait === undefined) {
      this.logger.warn(
        `Webhook delivery ${delivery.id} given up after ${attempt} attempts: ${error}`,
      );
      await em.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id },
        { nextAttemptAt: null, failedAt: finished },
      );
      return;
    }
    // A tenth of jitter, so receivers coming back up are not hit by every retry at once.
    const delayMs = Math.round(wait * 1000 * (1 + Math.random() * 0.1));
    await em.nativeUpdate(
      WebhookDelivery,
      { id: delivery.id },
      { nextAttemptAt: new Date(finished.getTime() + delayMs) },
    );
    await this.enqueue(delivery.id, attempt, delayMs);
  }
}

/**
 * Why a request could not be sent, as a code (`ECONNREFUSED`, `ENOTFOUND`…): never the error's
 * message, which can quote the URL and whatever secret it holds.
 */
function describe(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'the request failed before an answer';
}
