import { createHmac, randomBytes } from 'node:crypto';
import type { ProviderCallContext, TokenSet } from './grant';
import { ProviderRequestError } from './grant';
import { callNetwork } from './network-call';
import type { OAuth1Declaration, Provider } from './provider';

/** RFC 3986 percent-encoding, as OAuth 1.0a requires (RFC 5849 §3.6). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The parts of an OAuth 1.0a signature. */
export interface OAuth1Signing {
  readonly method: string;
  readonly url: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  readonly token?: string;
  readonly tokenSecret?: string;
  /** Extra `oauth_*` parameters (oauth_callback, oauth_verifier). */
  readonly oauthParams?: Readonly<Record<string, string>>;
  /** Form body parameters, which are signed too. */
  readonly bodyParams?: Readonly<Record<string, string>>;
  readonly nonce?: string;
  readonly timestamp?: number;
}

/** The HMAC-SHA1 signature base string and key (RFC 5849 §3.4). */
export function oauth1Signature(
  signing: OAuth1Signing,
  oauthParams: Record<string, string>,
): string {
  const url = new URL(signing.url);
  const params: [string, string][] = [];
  url.searchParams.forEach((value, name) => params.push([name, value]));
  for (const [name, value] of Object.entries({ ...signing.bodyParams, ...oauthParams }))
    params.push([name, value]);
  const normalized = params
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const baseUrl = `${url.protocol}//${url.host}${url.pathname}`;
  const base = [
    signing.method.toUpperCase(),
    percentEncode(baseUrl),
    percentEncode(normalized),
  ].join('&');
  const key = `${percentEncode(signing.consumerSecret)}&${percentEncode(signing.tokenSecret ?? '')}`;
  return createHmac('sha1', key).update(base).digest('base64');
}

/** The `Authorization: OAuth …` header for a request (RFC 5849 §3.5.1). */
export function oauth1Header(signing: OAuth1Signing): string {
  const oauthParams: Record<string, string> = {
    oauth_consumer_key: signing.consumerKey,
    oauth_nonce: signing.nonce ?? randomBytes(16).toString('hex'),
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: String(signing.timestamp ?? Math.floor(Date.now() / 1000)),
    oauth_version: '1.0',
    ...(signing.token ? { oauth_token: signing.token } : {}),
    ...signing.oauthParams,
  };
  const signature = oauth1Signature(signing, oauthParams);
  const all = { ...oauthParams, oauth_signature: signature };
  return `OAuth ${Object.entries(all)
    .map(([name, value]) => `${percentEncode(name)}="${percentEncode(value)}"`)
    .join(', ')}`;
}

function oauth1(provider: Provider): OAuth1Declaration {
  if (provider.oauth.version !== '1.0a')
    throw new TypeError(`${provider.id} does not speak OAuth 1.0a`);
  return provider.oauth;
}

function formFields(
  provider: Provider,
  operation: string,
  body: unknown,
  now: Date,
): Record<string, string> {
  const fields = Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : ''));
  if (!fields.oauth_token || !fields.oauth_token_secret) {
    throw new ProviderRequestError(
      provider.id,
      operation,
      provider.classifyError({ status: 200, headers: {}, body }, { now }),
      {
        status: 200,
        headers: {},
        body,
      },
    );
  }
  return fields;
}

/** A temporary credential and where to send the person with it (RFC 5849 §2.1–2.2). */
export interface OAuth1Authorization {
  readonly requestToken: string;
  readonly requestTokenSecret: string;
  readonly authorizationUrl: string;
}

/** Step one of the OAuth 1.0a dance: obtain a request token bound to the callback URL. */
export async function startOAuth1Authorization(
  provider: Provider,
  context: ProviderCallContext,
  callbackUrl: string,
): Promise<OAuth1Authorization> {
  const oauth = oauth1(provider);
  const authorization = oauth1Header({
    method: 'POST',
    url: oauth.requestTokenUrl,
    consumerKey: context.client.clientId,
    consumerSecret: context.client.clientSecret,
    oauthParams: { oauth_callback: callbackUrl },
    timestamp: Math.floor(context.runtime.clock.now().getTime() / 1000),
  });
  const response = await callNetwork(
    provider,
    'request token',
    context.runtime,
    oauth.requestTokenUrl,
    {
      method: 'POST',
      headers: { authorization },
    },
  );
  const fields = formFields(provider, 'request token', response.body, context.runtime.clock.now());
  const url = new URL(oauth.authorizationUrl);
  url.searchParams.set('oauth_token', fields.oauth_token!);
  return {
    requestToken: fields.oauth_token!,
    requestTokenSecret: fields.oauth_token_secret!,
    authorizationUrl: url.toString(),
  };
}

/** Step three: trade the verified request token for an access token (RFC 5849 §2.3). */
export async function completeOAuth1Authorization(
  provider: Provider,
  context: ProviderCallContext,
  request: {
    readonly requestToken: string;
    readonly requestTokenSecret: string;
    readonly verifier: string;
  },
): Promise<TokenSet> {
  const oauth = oauth1(provider);
  const authorization = oauth1Header({
    method: 'POST',
    url: oauth.accessTokenUrl,
    consumerKey: context.client.clientId,
    consumerSecret: context.client.clientSecret,
    token: request.requestToken,
    tokenSecret: request.requestTokenSecret,
    oauthParams: { oauth_verifier: request.verifier },
    timestamp: Math.floor(context.runtime.clock.now().getTime() / 1000),
  });
  const response = await callNetwork(
    provider,
    'access token',
    context.runtime,
    oauth.accessTokenUrl,
    {
      method: 'POST',
      headers: { authorization },
    },
  );
  const fields = formFields(provider, 'access token', response.body, context.runtime.clock.now());
  const subject = fields.user_id;
  return {
    accessToken: fields.oauth_token!,
    tokenSecret: fields.oauth_token_secret!,
    ...(subject ? { subject } : {}),
  };
}
