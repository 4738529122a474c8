import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { User, Workspace } from './entities';

/** What a notification is about. */
export type NotificationCategory = 'reminder' | 'alert' | 'follow_up' | 'recovery' | 'digest';

/**
 * One message to one recipient on one channel. The idempotency key (connection, incident, step,
 * recipient, channel) is unique, so retries, restarts and replicas never send one twice.
 */
export class Notification {
  id: string = randomUUID();
  workspace!: Workspace;
  connectionId!: string;
  /** The user it is for; absent for an extra address the workspace named. */
  recipient?: User;
  /** Where an email goes. */
  address?: string;
  channel!: 'email' | 'in_app';
  category!: NotificationCategory;
  idempotencyKey!: string;
  subject!: string;
  body!: string;
  createdAt: Date = new Date();
  sentAt?: Date;
  readAt?: Date;
  attempts: number = 0;
  /** Not before then: an instance is sending it, or it failed and waits to be tried again. */
  nextAttemptAt?: Date;
  lastError?: string;
  /** An email that waits for the recipient's daily digest instead of going out alone. */
  digest: boolean = false;
  /** The digest email that carried it. */
  digestId?: string;
  /** Who must act on what it tells (`owner`, `account_admin`, `operator`), when someone must. */
  actor?: string;
}

/**
 * The network refused the operator's own app credentials for a provider (RFC 6749
 * `invalid_client` and its kin): since when, and what the network said. The row goes when the
 * network accepts them again.
 */
export class ProviderCredentials {
  /** The provider's configured id. */
  provider!: string;
  rejectedAt!: Date;
  /** The taxonomy's reason for the refusal (`app_misconfigured`, or another the operator must fix). */
  reason!: string;
  /** The network's own words, when it gave any. */
  message?: string;
  /** Where the refusal was met: `token_endpoint` (refresh, code exchange) or `api` (a check, a caller's call). */
  seenAt!: string;
  updatedAt!: Date;
}

/** A workspace's subscription to signed webhook deliveries. */
export class Webhook {
  id: string = randomUUID();
  workspace!: Workspace;
  url!: string;
  description?: string;
  /** JSON array of the event types delivered; empty for every type. */
  events: string = '[]';
  /** Ciphertext of the signing secret. */
  secret!: string;
  createdAt: Date = new Date();
  deletedAt?: Date;
}

/** One event to deliver to one webhook, retried with backoff until it lands or the schedule ends. */
export class WebhookDelivery {
  id: string = randomUUID();
  webhook!: Webhook;
  /** Unique: the same incident and step never makes a second delivery to the same webhook. */
  idempotencyKey!: string;
  eventType!: string;
  /** The JSON body, exactly as signed and sent. */
  payload!: string;
  createdAt: Date = new Date();
  attempts: number = 0;
  /** When to try next; absent once delivered or given up. */
  nextAttemptAt?: Date;
  deliveredAt?: Date;
  failedAt?: Date;
}

/** One attempt of a delivery: what the receiver answered, or why it could not be reached. */
export class WebhookAttempt {
  id: string = randomUUID();
  delivery!: WebhookDelivery;
  attemptedAt: Date = new Date();
  statusCode?: number;
  error?: string;
  durationMs!: number;
}

const NotificationSchema = new EntitySchema<Notification>({
  class: Notification,
  tableName: 'notifications',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    connectionId: { type: 'string', length: 36 },
    recipient: { kind: 'm:1', entity: () => User, nullable: true },
    address: { type: 'string', length: 320, nullable: true },
    channel: { type: 'string', length: 16 },
    category: { type: 'string', length: 16 },
    idempotencyKey: { type: 'string', length: 200, unique: true },
    subject: { type: 'string', length: 300 },
    body: { type: 'text' },
    createdAt: { type: 'Date' },
    sentAt: { type: 'Date', nullable: true },
    readAt: { type: 'Date', nullable: true },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'Date', nullable: true },
    lastError: { type: 'text', nullable: true },
    digest: { type: 'boolean' },
    digestId: { type: 'string', length: 36, nullable: true },
    actor: { type: 'string', length: 20, nullable: true },
  },
});

const ProviderCredentialsSchema = new EntitySchema<ProviderCredentials>({
  class: ProviderCredentials,
  tableName: 'provider_credentials',
  properties: {
    provider: { type: 'string', primary: true, length: 100 },
    rejectedAt: { type: 'Date' },
    reason: { type: 'string', length: 40 },
    message: { type: 'text', nullable: true },
    seenAt: { type: 'string', length: 20 },
    updatedAt: { type: 'Date' },
  },
});

const WebhookSchema = new EntitySchema<Webhook>({
  class: Webhook,
  tableName: 'webhooks',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    url: { type: 'text' },
    description: { type: 'string', length: 200, nullable: true },
    events: { type: 'text' },
    secret: { type: 'text' },
    createdAt: { type: 'Date' },
    deletedAt: { type: 'Date', nullable: true },
  },
});

const WebhookDeliverySchema = new EntitySchema<WebhookDelivery>({
  class: WebhookDelivery,
  tableName: 'webhook_deliveries',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    webhook: { kind: 'm:1', entity: () => Webhook },
    idempotencyKey: { type: 'string', length: 200, unique: true },
    eventType: { type: 'string', length: 64 },
    payload: { type: 'text' },
    createdAt: { type: 'Date' },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'Date', nullable: true },
    deliveredAt: { type: 'Date', nullable: true },
    failedAt: { type: 'Date', nullable: true },
  },
});

const WebhookAttemptSchema = new EntitySchema<WebhookAttempt>({
  class: WebhookAttempt,
  tableName: 'webhook_attempts',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    delivery: { kind: 'm:1', entity: () => WebhookDelivery },
    attemptedAt: { type: 'Date' },
    statusCode: { type: 'integer', nullable: true },
    error: { type: 'text', nullable: true },
    durationMs: { type: 'integer' },
  },
});

/** The schemas of notifications, webhooks and providers' credential refusals. */
export const NOTIFICATION_SCHEMAS = [
  NotificationSchema,
  WebhookSchema,
  WebhookDeliverySchema,
  WebhookAttemptSchema,
  ProviderCredentialsSchema,
];
