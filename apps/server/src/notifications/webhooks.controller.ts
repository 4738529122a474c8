import { randomBytes, randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Webhook, WebhookAttempt, WebhookDelivery } from '@tether/persistence';
import { z } from 'zod';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';
import { schemaRef } from '../http/api-schemas';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { afterCursor, NEWEST_FIRST, pageOf, pageQuery } from '../http/page';
import { ZodPipe } from '../http/zod-body.pipe';
import { assertWorkspaceAdmin, CurrentPrincipal, type Principal } from '../identity/principal';
import { TokenCipher } from '../security/token-cipher';
import {
  secretBinding,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  WebhookSender,
} from './webhook-sender.service';
import {
  createdWebhookSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookListSchema,
  webhookSchema,
} from './notification-schemas';
import { namesPrivateHost } from './webhook-target';

const createWebhookBody = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(2000)
    .refine(
      (url) => !URL.canParse(url) || (new URL(url).username === '' && !new URL(url).password),
      'must not hold a user name or password; put a token in the path or query instead',
    ),
  description: z.string().trim().max(200).optional(),
  /** Event types to deliver; all of them when absent or empty. */
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(WEBHOOK_EVENT_TYPES.length).default([]),
});

const deliveriesQuery = z.strictObject(pageQuery);

function deliveryView(
  delivery: WebhookDelivery,
  attempts: readonly WebhookAttempt[],
): z.infer<typeof webhookDeliverySchema> {
  return {
    id: delivery.id,
    event: delivery.eventType as WebhookEventType,
    createdAt: delivery.createdAt.toISOString(),
    status: delivery.deliveredAt ? 'delivered' : delivery.failedAt ? 'failed' : 'pending',
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    attempts: attempts
      .filter((attempt) => attempt.delivery.id === delivery.id)
      .map((attempt) => ({
        at: attempt.attemptedAt.toISOString(),
        statusCode: attempt.statusCode ?? null,
        error: attempt.error ?? null,
        durationMs: attempt.durationMs,
      })),
  };
}

function webhookView(webhook: Webhook): z.infer<typeof webhookSchema> {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description ?? null,
    events: JSON.parse(webhook.events) as WebhookEventType[],
    createdAt: webhook.createdAt.toISOString(),
  };
}

/** Subscriptions to signed webhook deliveries of the workspace's notifications. Admin keys only. */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
@ApiKeyAuth()
export class WebhooksController {
  constructor(
    private readonly em: EntityManager,
    private readonly cipher: TokenCipher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
    private readonly sender: WebhookSender,
  ) {}

  private async find(principal: Principal, id: string): Promise<Webhook> {
    const webhook = await this.em
      .fork()
      .findOne(Webhook, { id, workspace: principal.workspaceId, deletedAt: null });
    if (!webhook) throw new DomainError('WEBHOOK_NOT_FOUND', `No webhook ${id} in this workspace.`);
    return webhook;
  }

  @Post()
  @ApiOperation({
    summary: 'Subscribe a URL; the response is the only time the signing secret is shown',
  })
  @ApiJsonBody(createWebhookBody)
  @ApiCreatedResponse({
    description: 'The webhook and, once, `secret`',
    schema: schemaRef(createdWebhookSchema),
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(createWebhookBody)) input: z.output<typeof createWebhookBody>,
  ) {
    assertWorkspaceAdmin(principal);
    if (!this.config.webhookPrivateTargets && namesPrivateHost(new URL(input.url))) {
      throw new DomainError(
        'INVALID_REQUEST',
        'url: it points at a private or loopback address, which this server does not call. An operator can allow it with TETHER_WEBHOOK_PRIVATE_TARGETS=true.',
        { errors: [{ in: 'body', path: 'url', message: 'private or loopback address' }] },
      );
    }
    // Standard Webhooks: `whsec_` and the key's bytes in standard base64.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const id = randomUUID();
    const em = this.em.fork();
    const webhook = em.create(Webhook, {
      id,
      workspace: principal.workspaceId,
      url: input.url,
      ...(input.description ? { description: input.description } : {}),
      events: JSON.stringify([...new Set(input.events)]),
      secret: this.cipher.encrypt(secret, secretBinding(id)),
      createdAt: this.clock.now(),
    });
    await em.flush();
    return { ...webhookView(webhook), secret };
  }

  @Get()
  @ApiOperation({ summary: 'List the webhooks of the workspace (never their secrets)' })
  @ApiOkResponse({ description: 'The webhooks', schema: schemaRef(webhookListSchema) })
  async list(@CurrentPrincipal() principal: Principal) {
    assertWorkspaceAdmin(principal);
    const rows = await this.em
      .fork()
      .find(
        Webhook,
        { workspace: principal.workspaceId, deletedAt: null },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
    return { data: rows.map(webhookView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook' })
  @ApiOkResponse({ description: 'The webhook', schema: schemaRef(webhookSchema) })
  @ApiProblems('WEBHOOK_NOT_FOUND')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    assertWorkspaceAdmin(principal);
    return webhookView(await this.find(principal, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unsubscribe; deliveries not yet made are dropped, the record stays' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems('WEBHOOK_NOT_FOUND')
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    assertWorkspaceAdmin(principal);
    const webhook = await this.find(principal, id);
    const em = this.em.fork();
    const now = this.clock.now();
    await em.nativeUpdate(Webhook, { id: webhook.id }, { deletedAt: now });
    await em.nativeUpdate(
      WebhookDelivery,
      { webhook: webhook.id, nextAttemptAt: { $ne: null } },
      { nextAttemptAt: null, failedAt: now },
    );
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: 'The deliveries of a webhook, newest first, a page at a time, with every attempt',
  })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({
    description: 'A page of deliveries',
    schema: schemaRef(webhookDeliveryPageSchema),
  })
  @ApiProblems('WEBHOOK_NOT_FOUND', 'INVALID_REQUEST')
  async deliveries(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(new ZodPipe(deliveriesQuery)) query: z.output<typeof deliveriesQuery>,
  ) {
    assertWorkspaceAdmin(principal);
    const webhook = await this.find(principal, id);
    const em = this.em.fork();
    const rows = await em.find(
      WebhookDelivery,
      {
        $and: [
          { webhook: webhook.id },
          query.cursor ? afterCursor<WebhookDelivery>(query.cursor, em.getPlatform()) : {},
        ],
      },
      { orderBy: NEWEST_FIRST, limit: query.limit + 1 },
    );
    const page = pageOf(rows, query.limit);
    const attempts = await em.find(
      WebhookAttempt,
      { delivery: { $in: page.data.map((delivery) => delivery.id) } },
      { orderBy: { attemptedAt: 'asc' } },
    );
    return {
      data: page.data.map((delivery) => deliveryView(delivery, attempts)),
      nextCursor: page.nextCursor,
    };
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Send a failed delivery again: one more attempt, recorded with the others (same payload and delivery id)',
  })
  @ApiAcceptedResponse({
    description: 'The delivery, queued for its new attempt',
    schema: schemaRef(webhookDeliverySchema),
  })
  @ApiProblems('WEBHOOK_NOT_FOUND', 'CONFLICT')
  async redeliver(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('deliveryId') deliveryId: string,
  ) {
    assertWorkspaceAdmin(principal);
    const webhook = await this.find(principal, id);
    const em = this.em.fork();
    const delivery = await em.findOne(WebhookDelivery, { id: deliveryId, webhook: webhook.id });
    if (!delivery) {
      throw new DomainError('WEBHOOK_NOT_FOUND', `No delivery ${deliveryId} of webhook ${id}.`);
    }
    const now = this.clock.now();
    // Only a given-up delivery: a pending one is tried anyway, a delivered one landed.
    const reopened = await em.nativeUpdate(
      WebhookDelivery,
      { id: delivery.id, failedAt: { $ne: null }, nextAttemptAt: null, deliveredAt: null },
      { failedAt: null, nextAttemptAt: now },
    );
    if (reopened !== 1) {
      throw new DomainError(
        'CONFLICT',
        `Delivery ${deliveryId} is ${delivery.deliveredAt ? 'delivered' : 'still being tried'}; only a failed delivery can be sent again.`,
      );
    }
    // Its attempts stay counted, so a redelivery that fails is given up again at once.
    await this.sender.requeueDue(now);
    await em.refresh(delivery);
    const attempts = await em.find(
      WebhookAttempt,
      { delivery: delivery.id },
      { orderBy: { attemptedAt: 'asc' } },
    );
    return deliveryView(delivery, attempts);
  }
}
