import type { RecordedRequest, SimulatorEngine } from '@tether/provider-testkit/simulator';
import type { FaultyDeployment, Instance } from './faulty-deployment';

/*
 * What the simulated network saw, as the fault scenarios judge it: the simulator is the witness
 * of every refresh (its request log records each token call with the refresh token presented
 * and the status it answered).
 */

/** The refresh-token grant calls the network received, in order. */
export function refreshCalls(engine: SimulatorEngine): RecordedRequest[] {
  return engine.requests.filter((request) => request.fields.grant_type === 'refresh_token');
}

/**
 * Refresh calls that presented a refresh token the network had already rotated away (answered
 * 200 before): on a rotating network each one is a token Tether lost or a race it let through.
 */
export function spentTokenReuses(engine: SimulatorEngine): RecordedRequest[] {
  const spent = new Set<string>();
  const reuses: RecordedRequest[] = [];
  for (const call of refreshCalls(engine)) {
    const token = call.fields.refresh_token ?? '';
    if (spent.has(token)) reuses.push(call);
    if (call.status === 200) spent.add(token);
  }
  return reuses;
}

/**
 * Waits until the network has answered no refresh for `quietMs` (after at least `atLeast`
 * refreshes): a moment between rounds of refreshes, when none is between its answer and its
 * save. Resolves with whether it came within `timeoutMs`.
 */
export async function betweenRefreshes(
  engine: SimulatorEngine,
  options: { atLeast: number; quietMs: number; timeoutMs: number },
): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < options.timeoutMs) {
    const calls = refreshCalls(engine);
    const last = calls.at(-1);
    if (
      calls.length >= options.atLeast &&
      last &&
      Date.now() - Date.parse(last.at) >= options.quietMs
    )
      return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * Runs `then` the moment the network has rotated a refresh token, before its answer leaves the
 * simulator: the refresh token presented was spent and the new tokens exist only in the answer.
 * `which` picks the refresh (by the refresh token presented); the first match fires `then` once.
 * Resolves with the refresh token that was spent.
 *
 * This is the step "the network answered, Tether has not saved yet": blackhole the database link
 * in `then` and the save cannot land; `kill -9` the server afterwards and the answer is gone.
 */
export function whenNetworkRotates(
  engine: SimulatorEngine,
  then: () => void,
  which: (refreshToken: string) => boolean = () => true,
): Promise<string> {
  return new Promise((resolve) => {
    const respond = engine.respond.bind(engine);
    engine.respond = async (request) => {
      const response = await respond(request);
      const token = request.fields.refresh_token;
      if (
        request.fields.grant_type === 'refresh_token' &&
        token !== undefined &&
        response.status === 200 &&
        which(token)
      ) {
        engine.respond = respond;
        then();
        resolve(token);
      }
      return response;
    };
  });
}

/**
 * Every connection's access token through `GET /token`, checked at the network: the ids whose
 * token does not work there (or that got no token). Empty when no token was lost.
 */
export async function connectionsWithoutWorkingToken(
  deployment: FaultyDeployment,
  instance: Instance,
  ids: readonly string[],
): Promise<string[]> {
  const failing: string[] = [];
  for (const id of ids) {
    const response = await instance.request('GET', `/api/v1/connections/${id}/token`);
    const body = (await response.json()) as { accessToken?: string };
    if (
      response.status !== 200 ||
      !body.accessToken ||
      !deployment.simulator.engine.authenticate(body.accessToken).ok
    )
      failing.push(id);
  }
  return failing;
}
