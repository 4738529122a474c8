import { createHash, randomBytes } from 'node:crypto';
import { clientAuthenticatedRequest, oauth2Of } from './client-authentication';
import type { ProviderCallContext, TokenSet } from './grant';
import { ProviderRequestError } from './grant';
import { asRecord } from './json-fields';
import type { Provider } from './provider';

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1–4.2). */
export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
}

/** A fresh PKCE pair with a 43-character verifier. */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** What the authorization request needs. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  /** Scope names, joined with the provider's separator. */
  readonly scopes: readonly string[];
  /** Sent as an S256 challenge where the provider takes PKCE. */
  readonly codeChallenge?: string;
}

/** The URL to send the person to for consent (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export function buildAuthorizationUrl(provider: Provider, request: AuthorizationRequest): string {
  const oauth = oauth2Of(provider);
  const url = new URL(oauth.authorizationUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set(oauth.clientIdParameter ?? 'client_id', request.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', request.scopes.join(provider.scopes.separator));
  url.searchParams.set('state', request.state);
  if (oauth.pkce !== 'unsupported' && request.codeChallenge) {
    url.searchParams.set('code_challenge', request.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  for (const [name, value] of Object.entries(oauth.authorizationParams ?? {}))
    url.searchParams.set(name, value);
  return url.toString();
}

function secondsFrom(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? seconds
    : undefined;
}

function addSeconds(now: Date, seconds: number | null | undefined): Date | undefined {
  return seconds ? new Date(now.getTime() + seconds * 1000) : undefined;
}

/**
 * The token response's fields. Instagram Login documents its code exchange wrapped in a
 * one-element `data` list (`{ data: [{ access_token, user_id, permissions }] }`) and is also seen
 * answering flat; both read the same.
 * @see https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
 */
function tokenFields(body: unknown): Record<string, unknown> {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (fields.access_token === undefined && Array.isArray(fields.data) && fields.data.length === 1) {
    const inner = asRecord(fields.data[0]);
    if (inner?.access_token !== undefined) return inner;
  }
  return fields;
}

/**
 * Reads an RFC 6749 §5.1 token response. Lifetimes the response carries
 * (`expires_in`, `refresh_token_expires_in` or TikTok's `refresh_expires_in`) win over the
 * provider's declared defaults. The granted scopes come from `scope`, or Instagram Login's
 * `permissions` (a comma-separated string).
 */
export function tokenSetFromResponse(provider: Provider, body: unknown, now: Date): TokenSet {
  const fields = tokenFields(body);
  const accessToken = fields.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new ProviderRequestError(
      provider.id,
      'token response',
      provider.classifyError({ status: 200, headers: {}, body }, { now }),
      {
        status: 200,
        headers: {},
        body,
      },
    );
  }
  const refreshToken =
    typeof fields.refresh_token === 'string' && fields.refresh_token
      ? fields.refresh_token
      : undefined;
  const accessSeconds = secondsFrom(fields.expires_in) ?? provider.lifetimes.accessToken.seconds;
  const refreshSeconds =
    secondsFrom(fields.refresh_token_expires_in) ??
    secondsFrom(fields.refresh_expires_in) ??
    (refreshToken ? provider.lifetimes.refreshToken?.seconds : undefined);
  // Most networks send a delimited string; Twitch sends an array; Instagram Login names it
  // `permissions`.
  const granted = fields.scope ?? fields.permissions;
  const scope = Array.isArray(granted)
    ? granted.filter((item): item is string => typeof item === 'string').join(' ')
    : typeof granted === 'string'
      ? granted
      : undefined;
  // A number past 2^53 has already lost digits (readResponse keeps those as strings): no id
  // beats a wrong one.
  const subject = [fields.open_id, fields.user_id].find(
    (value): value is string | number =>
      (typeof value === 'string' && value.length > 0) ||
      (typeof value === 'number' && Number.isSafeInteger(value)),
  );
  const accessTokenExpiresAt = addSeconds(now, accessSeconds);
  const refreshTokenExpiresAt = refreshToken ? addSeconds(now, refreshSeconds) : undefined;
  return {
    accessToken,
    ...(refreshToken ? { refreshToken } : {}),
    ...(accessTokenExpiresAt ? { accessTokenExpiresAt } : {}),
    ...(refreshTokenExpiresAt ? { refreshTokenExpiresAt } : {}),
    ...(scope !== undefined ? { grantedScopes: scope.split(/[\s,]+/).filter(Boolean) } : {}),
    ...(subject !== undefined ? { subject: String(subject) } : {}),
  };
}

/** Whether a token response states the refresh token's remaining lifetime. */
function statesRefreshLifetime(body: unknown): boolean {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return (
    secondsFrom(fields.refresh_token_expires_in) !== undefined ||
    secondsFrom(fields.refresh_expires_in) !== undefined
  );
}

async function tokenRequest(
  provider: Provider,
  context: ProviderCallContext,
  operation: string,
  fields: Record<string, string | undefined>,
): Promise<{ tokens: TokenSet; statesRefreshLifetime: boolean }> {
  const now = context.runtime.clock.now();
  const oauth = oauth2Of(provider);
  const response = await clientAuthenticatedRequest(provider, context, {
    operation,
    url: oauth.tokenUrl,
    fields: { ...fields, ...oauth.tokenParams },
  });
  return {
    tokens: tokenSetFromResponse(provider, response.body, now),
    statesRefreshLifetime: statesRefreshLifetime(response.body),
  };
}

/** What the callback brings back, for the code exchange. */
export interface CodeExchange {
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier?: string;
}

/**
 * Exchanges an authorization code for tokens (RFC 6749 §4.1.3), then lets the provider finish
 * the grant its network's way (a Facebook long-lived token, for one).
 */
export async function exchangeAuthorizationCode(
  provider: Provider,
  context: ProviderCallContext,
  exchange: CodeExchange,
): Promise<TokenSet> {
  const { tokens } = await tokenRequest(provider, context, 'code exchange', {
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    ...(provider.oauth.version === '2.0' &&
    provider.oauth.pkce !== 'unsupported' &&
    exchange.codeVerifier
      ? { code_verifier: exchange.codeVerifier }
      : {}),
  });
  return provider.completeAuthorization ? provider.completeAuthorization(tokens, context) : tokens;
}

/**
 * Renews tokens by the provider's strategy: the refresh-token grant (RFC 6749 §6), keeping the
 * stored refresh token when the network returns none, or the provider's own extension.
 * Throws `ProviderRequestError` with the classified reason when the network refuses.
 */
export async function renewTokens(
  provider: Provider,
  context: ProviderCallContext,
  tokens: TokenSet,
): Promise<TokenSet> {
  switch (provider.refresh.kind) {
    case 'refresh_token': {
      if (!tokens.refreshToken) {
        throw new ProviderRequestError(provider.id, 'refresh', {
          reason: 'token_expired',
          scope: 'grant',
          transient: false,
          actor: 'owner',
          needsConfirmation: false,
          remedy: 'Reconnect the account: Tether holds no refresh token for it.',
        });
      }
      const { tokens: renewed, statesRefreshLifetime: stated } = await tokenRequest(
        provider,
        context,
        'refresh',
        { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
      );
      const refreshLifetime = provider.lifetimes.refreshToken;
      // A refresh token that dies after a period without use lives on from this use. Any other
      // keeps the end it had unless the response states a new one: a fixed end counted from the
      // first grant (LinkedIn's 365 days, a `refresh_token_expires_in` that counts down) must
      // never slide forward because a refresh response left the lifetime out.
      const keptEnd =
        refreshLifetime?.ends === 'inactivity' && refreshLifetime.seconds
          ? new Date(context.runtime.clock.now().getTime() + refreshLifetime.seconds * 1000)
          : tokens.refreshTokenExpiresAt;
      if (renewed.refreshToken) {
        // A network that states a refresh token's end (fixed, or slid by each refresh) is not
        // taken to have moved it when it leaves it out; with no stated end, the declared
        // lifetime from now stands, as for the first grant.
        const statesEnds =
          refreshLifetime?.ends === 'fixed_from_first_grant' || refreshLifetime?.ends === 'sliding';
        if (stated || keptEnd === undefined || !statesEnds) return renewed;
        return { ...renewed, refreshTokenExpiresAt: keptEnd };
      }
      // The network kept the refresh token.
      return {
        ...renewed,
        refreshToken: tokens.refreshToken,
        ...(keptEnd ? { refreshTokenExpiresAt: keptEnd } : {}),
      };
    }
    case 'extend':
      if (!provider.extendToken)
        throw new TypeError(`${provider.id} declares 'extend' without extendToken`);
      return provider.extendToken(tokens, context);
    default:
      throw new TypeError(
        `${provider.id} tokens cannot be renewed without the person (${provider.refresh.kind})`,
      );
  }
}
