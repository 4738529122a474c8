import type { ProviderCallContext } from './grant';
import { callNetwork, formBody } from './network-call';
import type { OAuth2Declaration, Provider, RawResponse } from './provider';

/** The provider's OAuth 2.0 declaration; a TypeError for an OAuth 1.0a provider. */
export function oauth2Of(provider: Provider): OAuth2Declaration {
  if (provider.oauth.version !== '2.0') {
    throw new TypeError(`${provider.id} speaks OAuth ${provider.oauth.version}, not OAuth 2.0`);
  }
  return provider.oauth;
}

/**
 * How a request to an OAuth endpoint proves which client sends it:
 * - `authenticate`: the declared client authentication (Basic or the form body);
 * - `identify`: the client id alone in the form body, as a public client does (Twitch's
 *   revocation takes no secret);
 * - `none`: nothing (Google's revocation endpoint).
 */
export type ClientProof = 'authenticate' | 'identify' | 'none';

/** A form POST to one of the network's OAuth endpoints. */
export interface ClientAuthenticatedRequest {
  /** What the call is for, in errors and logs: "refresh", "revocation"… */
  readonly operation: string;
  readonly url: string | URL;
  /** The form fields; undefined ones are left out. */
  readonly fields: Readonly<Record<string, string | undefined>>;
  /** `authenticate` unless said otherwise. */
  readonly client?: ClientProof;
}

/** RFC 6749 §2.3.1: both parts are form-encoded before base64. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/**
 * POSTs a form to an OAuth endpoint with the client authentication the provider declares:
 * `basic` puts the credentials in the Authorization header, `body` adds `client_id` (or the
 * network's name for it) and `client_secret` to the form. Returns the 2xx response; throws
 * `ProviderRequestError` classified by the provider otherwise.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
 */
export function clientAuthenticatedRequest(
  provider: Provider,
  context: ProviderCallContext,
  request: ClientAuthenticatedRequest,
): Promise<RawResponse> {
  const oauth = oauth2Of(provider);
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  const clientIdParameter = oauth.clientIdParameter ?? 'client_id';
  const { clientId, clientSecret } = context.client;
  let fields = request.fields;
  switch (request.client ?? 'authenticate') {
    case 'authenticate':
      if (oauth.clientAuthentication === 'basic')
        headers.authorization = basicCredentials(clientId, clientSecret);
      else fields = { ...fields, [clientIdParameter]: clientId, client_secret: clientSecret };
      break;
    case 'identify':
      fields = { ...fields, [clientIdParameter]: clientId };
      break;
    case 'none':
      break;
  }
  return callNetwork(provider, request.operation, context.runtime, request.url, {
    method: 'POST',
    headers,
    body: formBody(fields),
  });
}
