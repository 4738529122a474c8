import type { SimulatorEngine } from './engine';
import { REVOCATION_CAUSES, type RevocationCause, type SimulatorResponse } from './model';

/**
 * Control operations, also served over HTTP under `/_control`:
 * - `GET state`, `GET requests`, `DELETE requests`, `POST reset`;
 * - `POST lifetimes` `{ accessTokenSeconds?, refreshTokenSeconds? }` (null: never expires);
 * - `POST grants/{id|all}/revoke` `{ cause }`: ends grants for one of `REVOCATION_CAUSES`;
 * - `POST accounts/{accountId}/revoke-role` `{ person? }`: takes the role on that one account
 *   (a Facebook Page) from the person, or from everyone who has it; tokens issued for that
 *   account then fail with `role_lost`, nothing else changes;
 * - `POST fail` `{ kind, target, count, retryAfterSeconds, forSeconds? }` (with `forSeconds`,
 *   every matching call fails for that long on the simulator's clock: a storm),
 *   `POST latency` `{ milliseconds }`,
 *   `POST clock` `{ advanceSeconds }`.
 */
export async function control(
  engine: SimulatorEngine,
  method: string,
  path: string,
  body: Record<string, unknown>,
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
    const seconds = (value: unknown) =>
      value === null || (typeof value === 'number' && value > 0) ? value : undefined;
    const access = seconds(body.accessTokenSeconds);
    const refresh = seconds(body.refreshTokenSeconds);
    if (access !== undefined) engine.accessTokenSeconds = access;
    if (refresh !== undefined) engine.refreshTokenSeconds = refresh;
    return control(engine, 'GET', 'state', {});
  }
  if (method === 'POST' && parts[0] === 'grants' && parts[2] === 'revoke') {
    const cause = body.cause ?? 'revoked';
    if (!REVOCATION_CAUSES.includes(cause as RevocationCause)) {
      return {
        status: 400,
        body: { error: `cause must be one of ${REVOCATION_CAUSES.join(', ')}` },
      };
    }
    const ids = parts[1] === 'all' ? [...engine.grants.keys()] : [parts[1]!];
    const revoked = ids.filter((id) => engine.revokeGrant(id, cause as RevocationCause));
    return revoked.length > 0
      ? { status: 200, body: { revoked } }
      : { status: 404, body: { error: 'no such grant' } };
  }
  if (method === 'POST' && parts[0] === 'accounts' && parts[2] === 'revoke-role') {
    const accountId = parts[1] ?? '';
    const person = typeof body.person === 'string' ? body.person : undefined;
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
    const kind = body.kind === 'unavailable' ? 'unavailable' : 'rate_limit';
    const target = body.target === 'token' || body.target === 'api' ? body.target : 'any';
    const count = typeof body.count === 'number' && body.count > 0 ? Math.floor(body.count) : 1;
    const retryAfterSeconds =
      typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : 60;
    const forSeconds =
      typeof body.forSeconds === 'number' && body.forSeconds > 0 ? body.forSeconds : undefined;
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
    engine.latencyMs =
      typeof body.milliseconds === 'number' && body.milliseconds > 0 ? body.milliseconds : 0;
    return { status: 200, body: { milliseconds: engine.latencyMs } };
  }
  if (method === 'POST' && parts[0] === 'clock') {
    const seconds = typeof body.advanceSeconds === 'number' ? body.advanceSeconds : 0;
    engine.advanceClock(seconds);
    return { status: 200, body: { now: new Date(engine.now()).toISOString() } };
  }
  if (method === 'POST' && parts[0] === 'reset') {
    engine.reset();
    return { status: 204 };
  }
  return {
    status: 404,
    body: { error: `no control operation ${method} /_control/${parts.join('/')}` },
  };
}
