import type { z } from 'zod';
import type { SimulatorEngine } from './engine';
import { CONTROL_BODIES } from './control-schemas';
import type { SimulatorResponse } from './model';

type Parsed<T> = { ok: true; value: T } | { ok: false; response: SimulatorResponse };

/** Reads a control body (absent: `{}`); a 400 lists every field at fault and what it allows. */
function parse<Schema extends z.ZodType>(schema: Schema, body: unknown): Parsed<z.output<Schema>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors = result.error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    return issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: key, message: 'unknown field' }))
      : [{ path: path || '(body)', message: issue.message }];
  });
  return {
    ok: false,
    response: {
      status: 400,
      body: {
        error: errors.map((error) => `${error.path}: ${error.message}`).join('; '),
        errors,
      },
    },
  };
}

/**
 * Control operations, also served over HTTP under `/_control` (bodies: {@link CONTROL_BODIES}):
 * `GET state`, `GET requests`, `DELETE requests`, `POST reset`, `POST lifetimes`,
 * `POST grants/{id|all}/revoke`, `POST accounts/{accountId}/revoke-role` (takes the role on that
 * one account, a Facebook Page, from the person; tokens issued for that account then fail with
 * `role_lost`, nothing else changes), `POST fail`, `POST latency`, `POST clock`. `body` is the
 * parsed JSON or `undefined`; a body that is not JSON is refused by the transport before this.
 */
export async function control(
  engine: SimulatorEngine,
  method: string,
  path: string,
  body: unknown,
): Promise<SimulatorResponse> {
  const parts = path.split('/').filter(Boolean);
  if (method === 'GET' && parts[0] === 'requests')
    return { status: 200, body: { data: engine.requests } };
  if (method === 'DELETE' && parts[0] === 'requests') {
    engine.requests.length = 0;
    return { status: 204 };
  }
  if (method === 'GET' && parts[0] === 'state') {
    return {
      status: 200,
      body: {
        provider: engine.provider.id,
        now: new Date(engine.now()).toISOString(),
        lifetimes: {
          accessTokenSeconds: engine.accessTokenSeconds,
          refreshTokenSeconds: engine.refreshTokenSeconds,
        },
        people: engine.network.people,
        grants: [...engine.grants.values()].map((grant) => ({
          id: grant.id,
          person: grant.person.id,
          scopes: grant.scopes,
          revoked: grant.revoked ?? null,
          createdAt: new Date(grant.createdAt).toISOString(),
        })),
        lostRoles: engine.lostRoles(),
      },
    };
  }
  if (method === 'POST' && parts[0] === 'lifetimes') {
    const input = parse(CONTROL_BODIES.lifetimes, body);
    if (!input.ok) return input.response;
    if (input.value.accessTokenSeconds !== undefined)
      engine.accessTokenSeconds = input.value.accessTokenSeconds;
    if (input.value.refreshTokenSeconds !== undefined)
      engine.refreshTokenSeconds = input.value.refreshTokenSeconds;
    return control(engine, 'GET', 'state', undefined);
  }
  if (method === 'POST' && parts[0] === 'grants' && parts[2] === 'revoke') {
    const input = parse(CONTROL_BODIES.revoke, body);
    if (!input.ok) return input.response;
    const { cause } = input.value;
    const ids = parts[1] === 'all' ? [...engine.grants.keys()] : [parts[1]!];
    const revoked = ids.filter((id) => engine.revokeGrant(id, cause));
    return revoked.length > 0
      ? { status: 200, body: { revoked } }
      : { status: 404, body: { error: 'no such grant' } };
  }
  if (method === 'POST' && parts[0] === 'accounts' && parts[2] === 'revoke-role') {
    const input = parse(CONTROL_BODIES.revokeRole, body);
    if (!input.ok) return input.response;
    const accountId = parts[1] ?? '';
    const { person } = input.value;
    const people = engine.revokeRole(accountId, person);
    return people.length > 0
      ? { status: 200, body: { accountId, people } }
      : {
          status: 404,
          body: {
            error: `nobody${person === undefined ? '' : ` named ${person}`} has a role on account ${accountId}`,
          },
        };
  }
  if (method === 'POST' && parts[0] === 'fail') {
    const input = parse(CONTROL_BODIES.fail, body);
    if (!input.ok) return input.response;
    const { kind, target, count, retryAfterSeconds, forSeconds } = input.value;
    const until = forSeconds === undefined ? undefined : engine.now() + forSeconds * 1000;
    engine.failNext({ kind, count, target, retryAfterSeconds, ...(until ? { until } : {}) });
    return {
      status: 200,
      body: {
        kind,
        count,
        target,
        retryAfterSeconds,
        ...(until ? { until: new Date(until).toISOString() } : {}),
      },
    };
  }
  if (method === 'POST' && parts[0] === 'latency') {
    const input = parse(CONTROL_BODIES.latency, body);
    if (!input.ok) return input.response;
    engine.latencyMs = input.value.milliseconds;
    return { status: 200, body: { milliseconds: engine.latencyMs } };
  }
  if (method === 'POST' && parts[0] === 'clock') {
    const input = parse(CONTROL_BODIES.clock, body);
    if (!input.ok) return input.response;
    engine.advanceClock(input.value.advanceSeconds);
    return { status: 200, body: { now: new Date(engine.now()).toISOString() } };
  }
  if (method === 'POST' && parts[0] === 'reset') {
    const input = parse(CONTROL_BODIES.reset, body);
    if (!input.ok) return input.response;
    engine.reset();
    return { status: 204 };
  }
  return {
    status: 404,
    body: { error: `no control operation ${method} /_control/${parts.join('/')}` },
  };
}
