import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { oauth1Signature, percentEncode } from '@tether/provider-sdk';
import {
  consentPage,
  type Grant,
  type NetworkSimulation,
  type SimulatorEngine,
  type SimulatorRequest,
  type SimulatorResponse,
  type TokenEndpointFailure,
  type TokenFailure,
} from '@tether/simulator';
import { xing } from './xing';
import { XING_FACTS } from './network-facts';

/*
 * The engine's consent and token handling is OAuth 2.0 only, so this simulation plays XING's
 * three OAuth 1.0a legs itself: request token, authorize, access token. Grants and access
 * tokens still live in the engine, so revocation causes, failure injection and the control
 * API work as for every other network; token secrets live here.
 */

/** XING's error body: `{ message, error_name }`. */
function xingError(status: number, errorName: string, message: string): SimulatorResponse {
  return { status, body: { message, error_name: errorName } };
}

const INVALID_SIGNATURE = () =>
  xingError(401, 'INVALID_OAUTH_SIGNATURE', 'Invalid OAuth signature');
const INVALID_TOKEN = () => xingError(401, 'INVALID_OAUTH_TOKEN', 'Invalid OAuth token');
const INVALID_CONSUMER = () =>
  xingError(401, 'INVALID_OAUTH_CONSUMER', 'Invalid OAuth consumer key');

/** OAuth 1.0a answers are form-encoded strings, not JSON. */
function formResponse(fields: Record<string, string>): SimulatorResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

function htmlResponse(status: number, html: string): SimulatorResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

/** Sends the person back to the app's callback URL with the given parameters. */
function back(callback: string, params: Record<string, string>): SimulatorResponse {
  const url = new URL(callback);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { status: 302, headers: { location: url.toString() } };
}

interface RequestToken {
  readonly secret: string;
  readonly callback: string;
  /** Set once the person allowed access. */
  verifier?: string;
  personId?: string;
}

interface XingState {
  readonly requestTokens: Map<string, RequestToken>;
  /** Access token → token secret. */
  readonly tokenSecrets: Map<string, string>;
}

// One state per engine, so parallel simulators never share secrets.
const states = new WeakMap<SimulatorEngine, XingState>();

function stateOf(engine: SimulatorEngine): XingState {
  let state = states.get(engine);
  if (!state) {
    state = { requestTokens: new Map(), tokenSecrets: new Map() };
    states.set(engine, state);
  }
  return state;
}

function secret(): string {
  return randomBytes(20).toString('hex');
}

/** The `oauth_*` parameters of an `Authorization: OAuth …` header (RFC 5849 §3.5.1). */
function headerParams(request: SimulatorRequest): Record<string, string> | undefined {
  const header = request.headers.authorization;
  if (!header || !/^OAuth\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const [, name, value] of header.slice(6).matchAll(/([A-Za-z0-9_.~%-]+)="([^"]*)"/g))
    params[decodeURIComponent(name!)] = decodeURIComponent(value!);
  return params;
}

function sameString(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** Whether the request is signed with the app's consumer secret and the given token secret. */
function signatureValid(
  request: SimulatorRequest,
  engine: SimulatorEngine,
  params: Record<string, string>,
  tokenSecret: string,
): boolean {
  const { oauth_signature: signature, realm: _realm, ...signed } = params;
  if (signature === undefined) return false;
  if (signed.oauth_signature_method === 'PLAINTEXT') {
    // XING also took PLAINTEXT over TLS; its own Ruby client used it.
    return sameString(
      signature,
      `${percentEncode(engine.client.clientSecret)}&${percentEncode(tokenSecret)}`,
    );
  }
  const query = new Set(request.url.searchParams.keys());
  const bodyParams = Object.fromEntries(
    Object.entries(request.fields).filter(([name]) => !query.has(name)),
  );
  const expected = oauth1Signature(
    {
      method: request.method,
      url: request.url.toString(),
      consumerKey: engine.client.clientId,
      consumerSecret: engine.client.clientSecret,
      tokenSecret,
      bodyParams,
    },
    signed,
  );
  return sameString(signature, expected);
}

/**
 * The checks every signed call passes before its own: a well-formed header, a supported
 * method and the app's consumer key. Returns the parameters, or XING's error.
 */
function consumerParams(
  request: SimulatorRequest,
  engine: SimulatorEngine,
): { params: Record<string, string> } | { error: SimulatorResponse } {
  const params = headerParams(request);
  if (!params?.oauth_consumer_key || !params.oauth_signature || !params.oauth_nonce)
    return {
      error: xingError(401, 'REQUIRED_PARAMETER_MISSING', 'Required OAuth parameter missing'),
    };
  const method = params.oauth_signature_method;
  if (method !== 'HMAC-SHA1' && method !== 'PLAINTEXT')
    return {
      error: xingError(401, 'INVALID_OAUTH_SIGNATURE_METHOD', 'Invalid OAuth signature method'),
    };
  if (params.oauth_version !== undefined && params.oauth_version !== '1.0')
    return { error: xingError(401, 'INVALID_OAUTH_VERSION', 'Invalid OAuth version') };
  if (params.oauth_consumer_key !== engine.client.clientId) return { error: INVALID_CONSUMER() };
  return { params };
}

/**
 * A token XING no longer accepts, whatever ended it (expiry, revocation by the user, a password
 * change: dev.xing.com/docs/authentication), answers INVALID_OAUTH_TOKEN, the error XING's own
 * client reads as "the token is not valid anymore" (xing/xing_api response_handler.rb). That a
 * revoked token gets this name rather than a signature error is inferred [I]. A bad signature
 * (wrong consumer secret, wrong token secret) answers INVALID_OAUTH_SIGNATURE: see the routes.
 */
function apiError(failure: TokenFailure): SimulatorResponse {
  if (failure.kind === 'missing')
    return xingError(401, 'REQUIRED_PARAMETER_MISSING', 'Required OAuth parameter missing');
  return INVALID_TOKEN();
}

/** The access-token leg's refusals (the engine's own token endpoint is OAuth 2.0 only). */
function tokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      return INVALID_CONSUMER();
    case 'invalid_request':
      return xingError(401, 'REQUIRED_PARAMETER_MISSING', failure.detail);
    default:
      return INVALID_TOKEN();
  }
}

/** XING's OAuth 1.0a dance and the profile call the provider makes. */
export const simulation: NetworkSimulation = {
  provider: xing,
  facts: XING_FACTS,
  people: [
    {
      id: '12345678_abcdef',
      name: 'Katrin Berger',
      accounts: [{ id: '12345678_abcdef', name: 'Katrin Berger', kind: 'profile' }],
    },
    {
      id: '87654321_fedcba',
      name: 'Jonas Weber',
      accounts: [{ id: '87654321_fedcba', name: 'Jonas Weber', kind: 'profile' }],
    },
  ],
  tokenError,
  apiError,
  // The XING client libraries read rate limits as 403 RATE_LIMIT_EXCEEDED; no reset header
  // is documented.
  rateLimited: () => xingError(403, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded'),
  unavailable: () => ({ status: 503, body: { message: 'Service Unavailable' } }),
  routes: [
    {
      method: 'POST',
      url: 'https://api.xing.com/v1/request_token',
      handle(request, engine) {
        const checked = consumerParams(request, engine);
        if ('error' in checked) return checked.error;
        const { params } = checked;
        if (!signatureValid(request, engine, params, '')) return INVALID_SIGNATURE();
        if (!params.oauth_callback)
          return xingError(401, 'REQUIRED_PARAMETER_MISSING', 'oauth_callback is required');
        const token = secret().slice(0, 20);
        const tokenSecret = secret();
        stateOf(engine).requestTokens.set(token, {
          secret: tokenSecret,
          callback: params.oauth_callback,
        });
        return formResponse({
          oauth_token: token,
          oauth_token_secret: tokenSecret,
          oauth_callback_confirmed: 'true',
        });
      },
    },
    ...(['GET', 'POST'] as const).map((method) => ({
      method,
      url: 'https://api.xing.com/v1/authorize',
      handle(request: SimulatorRequest, engine: SimulatorEngine): SimulatorResponse {
        const fields = request.fields;
        const token = fields.oauth_token ?? '';
        const pending = stateOf(engine).requestTokens.get(token);
        if (!pending || pending.verifier !== undefined) {
          return htmlResponse(
            400,
            '<!doctype html><title>XING</title><p>This authorization link is invalid or has already been used.</p>',
          );
        }
        if (request.method === 'GET')
          return htmlResponse(
            200,
            consentPage(engine.provider.displayName, engine.network.people, [], fields),
          );
        if (fields.decision !== 'allow') {
          // The request token dies with the refusal. `denied` is the marker OAuth 1.0a
          // clients (passport-oauth1, which the host uses) read as a refusal.
          stateOf(engine).requestTokens.delete(token);
          return back(pending.callback, { denied: token });
        }
        const person = engine.person(fields.person);
        if (!person) return htmlResponse(500, '<!doctype html><p>No such person.</p>');
        pending.personId = person.id;
        pending.verifier = secret().slice(0, 10);
        if (pending.callback === 'oob') {
          return htmlResponse(
            200,
            `<!doctype html><title>XING</title><p>Your verification code: <code>${pending.verifier}</code></p>`,
          );
        }
        return back(pending.callback, { oauth_token: token, oauth_verifier: pending.verifier });
      },
    })),
    {
      method: 'POST',
      url: 'https://api.xing.com/v1/access_token',
      handle(request, engine) {
        const checked = consumerParams(request, engine);
        if ('error' in checked) return checked.error;
        const { params } = checked;
        const state = stateOf(engine);
        const token = params.oauth_token ?? '';
        const pending = state.requestTokens.get(token);
        if (!pending) return tokenError({ kind: 'invalid_code' });
        if (!signatureValid(request, engine, params, pending.secret)) return INVALID_SIGNATURE();
        if (pending.verifier === undefined || params.oauth_verifier !== pending.verifier)
          return tokenError({ kind: 'invalid_code' });
        // A request token is good for one exchange.
        state.requestTokens.delete(token);
        const person = engine.person(pending.personId);
        if (!person) return tokenError({ kind: 'invalid_code' });
        const grant: Grant = {
          id: randomUUID(),
          clientId: engine.client.clientId,
          person,
          scopes: [],
          authorizationParams: {},
          createdAt: engine.now(),
        };
        engine.grants.set(grant.id, grant);
        const issued = engine.issue(grant, { refresh: false, accessSeconds: null });
        const tokenSecret = secret();
        state.tokenSecrets.set(issued.accessToken.value, tokenSecret);
        return formResponse({
          oauth_token: issued.accessToken.value,
          oauth_token_secret: tokenSecret,
          user_id: person.id,
        });
      },
    },
    {
      method: 'GET',
      url: 'https://api.xing.com/v1/users/me',
      handle(request, engine) {
        const checked = consumerParams(request, engine);
        if ('error' in checked) return checked.error;
        const { params } = checked;
        const auth = engine.authenticate(params.oauth_token);
        if (!auth.ok) return apiError(auth.failure);
        const tokenSecret = stateOf(engine).tokenSecrets.get(auth.token.value);
        if (tokenSecret === undefined || !signatureValid(request, engine, params, tokenSecret))
          return INVALID_SIGNATURE();
        const { person } = auth.grant;
        const [firstName = person.name, ...rest] = person.name.split(' ');
        const pageName = person.name.replace(/\s+/g, '_');
        return {
          status: 200,
          body: {
            users: [
              {
                id: person.id,
                first_name: firstName,
                last_name: rest.join(' '),
                display_name: person.name,
                page_name: pageName,
                permalink: `https://www.xing.com/profile/${pageName}`,
              },
            ],
          },
        };
      },
    },
  ],
};
