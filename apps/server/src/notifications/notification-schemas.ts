import { z } from 'zod';
import { apiSchema, isoDateTime, listSchema, pageSchema } from '../http/api-schemas';
import { preferencesSchema, workspaceSettingsSchema } from './notification-settings';
import { WEBHOOK_EVENT_TYPES } from './webhook-sender.service';

/** A webhook subscription: never its secret. */
export const webhookSchema = apiSchema(
  'Webhook',
  z.object({
    id: z.string(),
    url: z.url(),
    description: z.string().nullable(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).describe('Empty: every event'),
    createdAt: isoDateTime,
  }),
);

export const webhookListSchema = apiSchema('WebhookList', listSchema(webhookSchema));

/** A webhook as created: with, this once, its signing secret. */
export const createdWebhookSchema = apiSchema(
  'CreatedWebhook',
  webhookSchema.extend({
    secret: z.string().describe('`whsec_…` (Standard Webhooks); shown only in this answer'),
  }),
);

/** One delivery of an event to a webhook, with every attempt. */
export const webhookDeliverySchema = apiSchema(
  'WebhookDelivery',
  z.object({
    id: z.string().describe('Also the `webhook-id` header of every attempt'),
    event: z.enum(WEBHOOK_EVENT_TYPES),
    createdAt: isoDateTime,
    status: z.enum(['delivered', 'failed', 'pending']),
    deliveredAt: isoDateTime.nullable(),
    nextAttemptAt: isoDateTime.nullable(),
    attempts: z.array(
      z.object({
        at: isoDateTime,
        statusCode: z.int().nullable().describe('null: no answer'),
        error: z.string().nullable(),
        durationMs: z.number(),
      }),
    ),
  }),
);

export const webhookDeliveryPageSchema = apiSchema(
  'WebhookDeliveryPage',
  pageSchema(webhookDeliverySchema),
);

/** One message of the in-app feed. */
export const notificationSchema = apiSchema(
  'Notification',
  z.object({
    id: z.string(),
    connectionId: z.string(),
    category: z.enum(['reminder', 'alert', 'follow_up', 'recovery', 'digest']),
    actor: z
      .enum(['owner', 'account_admin', 'operator'])
      .nullable()
      .describe('Who must act on it; null when nobody must'),
    subject: z.string(),
    body: z.string(),
    createdAt: isoDateTime,
    readAt: isoDateTime.nullable(),
  }),
);

export const notificationFeedSchema = apiSchema(
  'NotificationFeed',
  pageSchema(notificationSchema).extend({ unreadCount: z.int().min(0) }),
);

/** The workspace's notification settings, and the server's defaults they override. */
export const notificationSettingsSchema = apiSchema(
  'NotificationSettings',
  workspaceSettingsSchema.extend({
    defaults: z.object({
      reminderSchedule: z.array(z.string()),
      followUpSchedule: z.array(z.string()),
    }),
  }),
);

const channels = z.object({ email: z.boolean(), inApp: z.boolean() });

/** What a person receives, every category filled in. */
export const notificationPreferencesSchema = apiSchema(
  'NotificationPreferences',
  z.object({
    categories: z.object({ reminder: channels, alert: channels, recovery: channels }),
    digest: preferencesSchema.shape.digest.unwrap(),
  }),
);
