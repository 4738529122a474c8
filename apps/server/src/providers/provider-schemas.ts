import { ACTORS, REASONS, VERDICT_SCOPES } from '@tether/provider-sdk';
import { z } from 'zod';
import { apiSchema, isoDateTime, listSchema } from '../http/api-schemas';

const see = z.string().describe('Where the fact comes from');

const lifetime = z.object({
  seconds: z.number().nullable().describe('null: does not expire by time'),
  see,
});

const scope = z.object({
  name: z.string().describe('As the network spells it'),
  purpose: z.string(),
});

const oauth2 = z.object({
  version: z.literal('2.0'),
  authorizationUrl: z.string(),
  tokenUrl: z.string(),
  revocationUrl: z.string().optional(),
  introspectionUrl: z.string().optional(),
  clientAuthentication: z.enum(['basic', 'body']),
  pkce: z.enum(['required', 'supported', 'unsupported']),
  authorizationParams: z.record(z.string(), z.string()).optional(),
  tokenParams: z.record(z.string(), z.string()).optional(),
  clientIdParameter: z.string().optional(),
});

const oauth1 = z.object({
  version: z.literal('1.0a'),
  requestTokenUrl: z.string(),
  authorizationUrl: z.string(),
  accessTokenUrl: z.string(),
});

const refresh = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('refresh_token'), rotates: z.boolean(), see }),
  z.object({ kind: z.literal('extend'), minimumAgeSeconds: z.number(), see }),
  z.object({ kind: z.literal('reauthorize'), see }),
  z.object({ kind: z.literal('none'), see }),
]);

/** A loaded provider as the catalog shows it: everything it declares, never options or secrets. */
export const catalogEntrySchema = apiSchema(
  'CatalogEntry',
  z.object({
    id: z.string().describe('The id it is loaded under'),
    providerId: z.string().describe('The id the package declares'),
    displayName: z.string(),
    package: z.object({ name: z.string(), version: z.string().nullable() }),
    sdk: z.object({
      range: z.string().describe('The SDK range it was built for'),
      definedWith: z.string(),
      host: z.string().describe('The SDK version of this host'),
    }),
    availability: z.object({
      status: z.enum(['available', 'restricted', 'discontinued']),
      why: z.string().optional(),
    }),
    credentials: z
      .enum(['rejected', 'sandbox', 'configured', 'missing'])
      .describe(
        '`rejected`: the network refuses the app credentials (see `credentialsRejection`), the operator’s to fix; `sandbox`: talks to its simulator; `configured`: has app credentials; `missing`: cannot connect yet',
      ),
    credentialsRejection: z
      .object({ since: isoDateTime, reason: z.string(), message: z.string().nullable() })
      .nullable(),
    network: z
      .enum(['available', 'degraded'])
      .describe(
        '`degraded`: the network failed calls from several authorizations in a row, so this instance holds calls back',
      ),
    networkDegradation: z
      .object({
        breaker: z.enum(['open', 'half_open']),
        since: isoDateTime,
        until: isoDateTime.describe('When the next probe may go out'),
        reason: z.string(),
      })
      .nullable(),
    oauth: z.discriminatedUnion('version', [oauth2, oauth1]),
    scopes: z.object({
      separator: z.string(),
      required: z.array(scope),
      optional: z.array(scope),
    }),
    lifetimes: z.object({
      accessToken: lifetime,
      refreshToken: lifetime
        .extend({ ends: z.enum(['fixed_from_first_grant', 'sliding', 'inactivity', 'unknown']) })
        .optional(),
    }),
    refresh,
    healthCheck: z.object({ intervalSeconds: z.number(), description: z.string(), see }).nullable(),
    documentation: z.string().nullable(),
  }),
);

export const catalogSchema = apiSchema('Catalog', listSchema(catalogEntrySchema));

/** How a provider classifies an error response. */
export const classificationSchema = apiSchema(
  'ErrorClassification',
  z.object({
    reason: z.enum(REASONS),
    scope: z
      .enum(VERDICT_SCOPES as readonly ['grant', 'account', 'resource'])
      .describe(
        '`grant`: every connection of the authorization; `account`: this connection; `resource`: one object, no status changes',
      ),
    transient: z.boolean().describe('Transient reasons are retried; permanent ones end it'),
    remedy: z.string(),
    actor: z.enum(ACTORS as readonly ['owner', 'account_admin', 'operator', 'nobody']),
    needsConfirmation: z
      .boolean()
      .describe('The response alone cannot tell; a health check confirms it first'),
    retryAfterSeconds: z.number().optional(),
  }),
);
