import { z } from 'zod';
import { REASONS } from '../reason';
import { VERDICT_SCOPES } from '../provider';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const parameters = z.record(z.string(), z.string(), {
  error: 'must map parameter names to strings',
});

/** A scope as its name alone, or with what it is used for. */
const scope = z.union(
  [
    z.string().regex(/^\S+$/, 'must be one scope name without spaces'),
    z.strictObject({
      name: z.string().regex(/^\S+$/, 'must be one scope name without spaces'),
      purpose: z.string().min(1),
    }),
  ],
  { error: 'must be a scope name, or { "name", "purpose" }' },
);

/**
 * One rule of the classifier: a response matching every condition given (the status, one of the
 * statuses, and each JSON field at its dotted path equal to the value) gets this reason.
 */
const errorMatcher = z.strictObject({
  status: z.union([z.int().min(0).max(599), z.array(z.int().min(0).max(599)).min(1)]).optional(),
  /** JSON body fields by dotted path (`error`, `error.code`) and the value each must have. */
  body: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional(),
  reason: z.enum(REASONS),
  scope: z.enum(VERDICT_SCOPES as readonly ['grant', 'account', 'resource']).optional(),
  /** A sentence for the person who must act; the reason's default remedy when absent. */
  remedy: z.string().min(1).optional(),
});

const refresh = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('refresh_token'), rotates: z.boolean() }),
    z.strictObject({ kind: z.literal('reauthorize') }),
    z.strictObject({ kind: z.literal('none') }),
  ],
  { error: 'must be { "kind": "refresh_token", "rotates": true|false }, reauthorize or none' },
);

const seconds = z.int().positive();

/**
 * What a `"custom"` provider entry of `tether.config.json` declares: a standards-compliant
 * OAuth 2.0 / OpenID Connect network, without a package.
 */
export const customProviderConfigSchema = z
  .strictObject({
    displayName: z.string().min(1),
    /** The OpenID Connect issuer; its discovery document supplies endpoints not given below. */
    issuer: httpUrl.optional(),
    endpoints: z
      .strictObject({
        authorization: httpUrl.optional(),
        token: httpUrl.optional(),
        revocation: httpUrl.optional(),
        introspection: httpUrl.optional(),
        userinfo: httpUrl.optional(),
      })
      .default({}),
    /** How the client authenticates at the token endpoint; from discovery, else `basic`. */
    clientAuthentication: z.enum(['basic', 'body']).optional(),
    /** Whether the network takes PKCE; from discovery (S256 offered: `supported`), else `unsupported`. */
    pkce: z.enum(['required', 'supported', 'unsupported']).optional(),
    scopes: z.strictObject({
      separator: z.string().min(1).default(' '),
      required: z.array(scope).min(1, 'must name at least one scope'),
      optional: z.array(scope).default([]),
    }),
    /** Fixed parameters of the authorization request, e.g. `{ "prompt": "consent" }`. */
    authorizationParams: parameters.optional(),
    /** Fixed parameters of every token request. */
    tokenParams: parameters.optional(),
    lifetimes: z.strictObject({
      /** `null`: the access token does not expire by time. A token response's `expires_in` wins. */
      accessTokenSeconds: seconds.nullable(),
      refreshTokenSeconds: seconds.nullable().optional(),
      refreshTokenEnds: z
        .enum(['fixed_from_first_grant', 'sliding', 'inactivity', 'unknown'])
        .default('unknown'),
    }),
    refresh,
    /** How the account is read from the userinfo answer. */
    account: z
      .strictObject({
        /** The field holding the account's stable id. */
        id: z.string().min(1).default('sub'),
        /** Fields tried in order for the account's name; the id when none is set. */
        name: z.array(z.string().min(1)).min(1).default(['name', 'preferred_username', 'email']),
      })
      .default({ id: 'sub', name: ['name', 'preferred_username', 'email'] }),
    /** How often the userinfo endpoint is called to catch revocations. */
    healthCheckIntervalSeconds: z
      .int()
      .min(60)
      .default(6 * 3600),
    /** Rules tried in order before the standard OAuth reading (RFC 6749 §5.2, RFC 6750 §3.1). */
    errors: z.array(errorMatcher).default([]),
    /** The network's developer documentation; quoted as the source of the facts above. */
    documentation: httpUrl.optional(),
  })
  .superRefine(
    (config, context) => {
      // Runs on input that failed elsewhere too (`when`), so every field is read with care.
      const { issuer, endpoints } = config as { issuer?: unknown; endpoints?: unknown };
      if (issuer !== undefined) return;
      const given = (typeof endpoints === 'object' && endpoints) || {};
      for (const [endpoint, why] of [
        ['authorization', ''],
        ['token', ''],
        ['userinfo', ': the account is read from it'],
      ] as const) {
        if (!(endpoint in given)) {
          context.addIssue({
            code: 'custom',
            path: ['endpoints', endpoint],
            message: `give either "issuer" (OpenID Connect discovery) or endpoints.${endpoint}${why}`,
          });
        }
      }
    },
    // Reported with the other fields' problems, so one round of fixes is enough.
    { when: () => true },
  );

/** A custom provider's configuration as written (before defaults). */
export type CustomProviderConfigInput = z.input<typeof customProviderConfigSchema>;

/** A custom provider's validated configuration, defaults filled in. */
export type CustomProviderConfig = z.output<typeof customProviderConfigSchema>;

/** One error rule, validated. */
export type ErrorMatcher = z.output<typeof errorMatcher>;

/**
 * Validates a custom provider's configuration. Returns the problems, each naming the field by its
 * path (`scopes.required`, `errors[0].reason`), instead of throwing.
 */
export function parseCustomProviderConfig(
  raw: unknown,
): { ok: true; config: CustomProviderConfig } | { ok: false; problems: string[] } {
  const parsed = customProviderConfigSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path
        .map((segment, index) =>
          typeof segment === 'number'
            ? `[${segment}]`
            : `${index === 0 ? '' : '.'}${String(segment)}`,
        )
        .join('');
      return `${path ? `'${path}': ` : ''}${issue.message}`;
    }),
  };
}
