import { ProviderRequestError } from '../grant';
import { callNetwork } from '../network-call';
import type { Provider } from '../provider';
import type { ProviderRuntime } from '../runtime';

/** What node-oauth's `_request` calls back with: an error `{ statusCode, data }`, or the body. */
type RequestCallback = (
  error: { statusCode: number; data: string } | Error | null,
  data?: string,
  response?: { statusCode: number; headers: Readonly<Record<string, string>> },
) => void;

/**
 * The parts of node-oauth's `OAuth2` client (what passport-oauth2 strategies hold as `_oauth2`)
 * that Tether reads or replaces.
 * @see https://github.com/ciaranj/node-oauth/blob/master/lib/oauth2.js
 */
export interface NodeOAuth2Client {
  _baseSite: string;
  _authorizeUrl: string;
  _customHeaders?: Record<string, string>;
  _getAccessTokenUrl(): string;
  buildAuthHeader(token: string): string;
  _request(
    method: string,
    url: string,
    headers: Record<string, string> | undefined,
    body: string | Buffer | null | undefined,
    accessToken: string | null | undefined,
    callback: RequestCallback,
  ): void;
}

/** What a replaced transport remembers: the classified failure of its last call, if any. */
export interface ProviderTransport {
  lastFailure(): ProviderRequestError | undefined;
}

function text(body: unknown): string {
  if (body === null || body === undefined) return '';
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * Replaces node-oauth's HTTP transport with the provider runtime's `fetch`, so the host's
 * simulators, timeouts and classifier see every call a passport strategy makes. An access token
 * goes in the `Authorization` header (RFC 6750 §2.1), never in the URL where node-oauth would put
 * it. A failed call is classified by the provider and kept for `lastFailure()`; node-oauth gets
 * the `{ statusCode, data }` it expects.
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-2.1
 */
export function useProviderFetch(
  client: NodeOAuth2Client,
  provider: Provider,
  runtime: ProviderRuntime,
  operation: string,
): ProviderTransport {
  let failure: ProviderRequestError | undefined;
  client._request = (method, url, headers, body, accessToken, callback) => {
    const sent: Record<string, string> = { ...client._customHeaders, ...headers };
    if (accessToken && !Object.keys(sent).some((name) => name.toLowerCase() === 'authorization'))
      sent.authorization = client.buildAuthHeader(accessToken);
    failure = undefined;
    callNetwork(provider, operation, runtime, url, {
      method,
      headers: sent,
      ...(body ? { body: typeof body === 'string' ? body : new Uint8Array(body) } : {}),
    }).then(
      (response) =>
        callback(null, text(response.body), {
          statusCode: response.status,
          headers: response.headers,
        }),
      (error: unknown) => {
        if (!(error instanceof ProviderRequestError)) {
          callback(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        failure = error;
        callback({ statusCode: error.response?.status ?? 0, data: text(error.response?.body) });
      },
    );
  };
  return { lastFailure: () => failure };
}
