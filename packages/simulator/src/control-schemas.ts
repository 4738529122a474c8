import { z } from 'zod';
import { REVOCATION_CAUSES } from './model';

const seconds = z.number().positive();

/**
 * The bodies the control operations take, checked strictly: an unknown field or value is a 400
 * naming what is allowed, never a silent default.
 */
export const CONTROL_BODIES = {
  /** `POST lifetimes`: token lifetimes for grants issued from now on; null: never expires. */
  lifetimes: z.strictObject({
    accessTokenSeconds: seconds.nullable().optional(),
    refreshTokenSeconds: seconds.nullable().optional(),
  }),
  /** `POST grants/{id|all}/revoke`: ends grants, as the network would for `cause`. */
  revoke: z.strictObject({ cause: z.enum(REVOCATION_CAUSES).default('revoked') }),
  /** `POST accounts/{accountId}/revoke-role`: from one person, or everyone who has it. */
  revokeRole: z.strictObject({ person: z.string().min(1).optional() }),
  /**
   * `POST fail`: the next `count` matching calls fail; with `forSeconds`, every matching call
   * fails for that long on the simulator's clock (a storm).
   */
  fail: z.strictObject({
    kind: z.enum(['rate_limit', 'unavailable']).default('rate_limit'),
    target: z.enum(['token', 'api', 'any']).default('any'),
    count: z.int().positive().default(1),
    retryAfterSeconds: z.number().nonnegative().default(60),
    forSeconds: seconds.optional(),
  }),
  /** `POST latency`: how long each network call waits before it is answered (0: none). */
  latency: z.strictObject({ milliseconds: z.number().nonnegative() }),
  /** `POST clock`: moves the simulator's clock forward. */
  clock: z.strictObject({ advanceSeconds: z.number().nonnegative() }),
  /** `POST reset`: forgets every grant, token, failure and request. */
  reset: z.strictObject({}),
};

const isoDateTime = z.iso.datetime();

/** What the simulator knows: its clock, lifetimes, people, grants and lost roles. */
const state = z.object({
  provider: z.string(),
  now: isoDateTime.describe('The simulator’s clock'),
  lifetimes: z.object({
    accessTokenSeconds: z.number().nullable(),
    refreshTokenSeconds: z.number().nullable(),
  }),
  people: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      accounts: z.array(z.looseObject({ id: z.string(), name: z.string(), kind: z.string() })),
    }),
  ),
  grants: z.array(
    z.object({
      id: z.string(),
      person: z.string(),
      scopes: z.array(z.string()),
      revoked: z.enum(REVOCATION_CAUSES).nullable(),
      createdAt: isoDateTime,
    }),
  ),
  lostRoles: z
    .record(z.string(), z.array(z.string()))
    .describe('Per account id, the people who lost their role on it'),
});

/** A refused control request: what is wrong, and per field when the body is at fault. */
const controlError = z.object({
  error: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** One control operation: where it is, what it takes, and what it answers per status. */
export interface ControlOperation {
  readonly method: 'get' | 'post' | 'delete';
  /** Under `/_control`, with `{name}` parameters. */
  readonly path: string;
  readonly summary: string;
  readonly body?: z.ZodType;
  /** Per status, the JSON body; `null` for none. */
  readonly responses: Readonly<Record<number, z.ZodType | null>>;
}

/** Every control operation, for documentation: `control()` in control-api.ts serves them. */
export const CONTROL_OPERATIONS: readonly ControlOperation[] = [
  {
    method: 'get',
    path: '/state',
    summary: 'What the simulator knows: clock, lifetimes, people, grants, lost roles',
    responses: { 200: state },
  },
  {
    method: 'get',
    path: '/requests',
    summary: 'Every request the network received, oldest first',
    responses: {
      200: z.object({
        data: z.array(
          z.object({
            at: isoDateTime,
            method: z.string(),
            url: z.string().describe('The network URL it was meant for'),
            headers: z.record(z.string(), z.string()),
            fields: z.record(z.string(), z.string()),
            status: z.int(),
          }),
        ),
      }),
    },
  },
  {
    method: 'delete',
    path: '/requests',
    summary: 'Forget the recorded requests',
    responses: { 204: null },
  },
  {
    method: 'post',
    path: '/reset',
    summary: 'Forget every grant, token, failure and request',
    body: CONTROL_BODIES.reset,
    responses: { 204: null, 400: controlError },
  },
  {
    method: 'post',
    path: '/lifetimes',
    summary: 'Token lifetimes for grants issued from now on',
    body: CONTROL_BODIES.lifetimes,
    responses: { 200: state, 400: controlError },
  },
  {
    method: 'post',
    path: '/grants/{grant}/revoke',
    summary: 'End a grant (or `all`) as the network would for `cause`',
    body: CONTROL_BODIES.revoke,
    responses: {
      200: z.object({ revoked: z.array(z.string()) }),
      400: controlError,
      404: controlError,
    },
  },
  {
    method: 'post',
    path: '/accounts/{account}/revoke-role',
    summary:
      'Take the role on one account (a Facebook Page) from a person, or from everyone: tokens for that account then fail with `role_lost`',
    body: CONTROL_BODIES.revokeRole,
    responses: {
      200: z.object({ accountId: z.string(), people: z.array(z.string()) }),
      400: controlError,
      404: controlError,
    },
  },
  {
    method: 'post',
    path: '/fail',
    summary: 'Make the next matching calls fail, or every one for a while (a storm)',
    body: CONTROL_BODIES.fail,
    responses: {
      200: z.object({
        kind: z.enum(['rate_limit', 'unavailable']),
        count: z.int(),
        target: z.enum(['token', 'api', 'any']),
        retryAfterSeconds: z.number(),
        until: isoDateTime.optional(),
      }),
      400: controlError,
    },
  },
  {
    method: 'post',
    path: '/latency',
    summary: 'Delay every network call',
    body: CONTROL_BODIES.latency,
    responses: { 200: z.object({ milliseconds: z.number() }), 400: controlError },
  },
  {
    method: 'post',
    path: '/clock',
    summary: 'Move the simulator’s clock forward',
    body: CONTROL_BODIES.clock,
    responses: { 200: z.object({ now: isoDateTime }), 400: controlError },
  },
];
