import OAuthStrategy from 'passport-oauth1';
import {
  type ClientCredentials,
  completeOAuth1Authorization,
  startOAuth1Authorization,
  type TokenSet,
} from '@tether/provider-sdk';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { CallbackFailure } from './connect-outcome';
import { asError, runStrategy } from './passport-run';

/** At the redirect: keeps the request token and its secret on the new connect session. */
export type KeepRequestToken = (token: string, tokenSecret: string) => void;

/**
 * At the callback: claims the connect session of the callback's state, once, and hands back the
 * secret of the request token it came back with; or throws the `CallbackFailure` that says why not.
 */
export type ClaimRequestToken = (token: string) => Promise<string>;

/** The request passport sees: the callback's query, and what the request-token store does. */
interface ConnectRequest {
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly keepRequestToken?: KeepRequestToken;
  readonly claimRequestToken?: ClaimRequestToken;
}

/**
 * passport-oauth1's request-token store, backed by the ConnectSession row rather than
 * express-session, so it holds across instances. passport-oauth1 tells the forms of `get`, `set`
 * and `destroy` apart by their arity, so every parameter stays declared.
 * @see https://github.com/jaredhanson/passport-oauth1/blob/v1.3.0/lib/strategy.js
 */
const connectSessionRequestTokens = {
  get(
    req: ConnectRequest,
    token: string,
    _meta: unknown,
    callback: (error: Error | null, tokenSecret?: string | false, info?: unknown) => void,
  ): void {
    if (!req.claimRequestToken) {
      callback(new Error('No connect session to check the request token against'));
      return;
    }
    req.claimRequestToken(token).then(
      (tokenSecret) => callback(null, tokenSecret),
      (error: unknown) =>
        error instanceof CallbackFailure ? callback(null, false, error) : callback(asError(error)),
    );
  },
  set(
    req: ConnectRequest,
    token: string,
    tokenSecret: string,
    _meta: unknown,
    callback: (error: Error | null) => void,
  ): void {
    try {
      if (!req.keepRequestToken) throw new Error('No connect session to keep the request token');
      req.keepRequestToken(token, tokenSecret);
    } catch (error) {
      callback(asError(error));
      return;
    }
    callback(null);
  },
  // The claimed session drops the secret when its outcome is recorded.
  destroy(
    _req: ConnectRequest,
    _token: string,
    _meta: unknown,
    callback: (error: Error | null) => void,
  ): void {
    callback(null);
  },
};

/** What the strategy yields in the verify step: the SDK's reading of the access-token response. */
interface ExchangeResults {
  readonly tokens: TokenSet;
}

/**
 * One OAuth 1.0a provider's passport-oauth1 strategy (XING), built from its declaration: passport
 * asks for the request token, keeps it in the connect session, builds the authorization URL and,
 * on the callback, finds the request token's secret and asks for the access token. The two token
 * calls themselves are the SDK's signed steps on the provider runtime's `fetch`, so the
 * simulators and the classifier see them; the profile is not fetched here.
 */
export class OAuth1ProviderStrategy extends OAuthStrategy {
  constructor(active: ActiveProvider, client: ClientCredentials) {
    const { provider } = active;
    if (provider.oauth.version !== '1.0a')
      throw new TypeError(`${active.id} speaks OAuth ${provider.oauth.version}, not OAuth 1.0a`);
    super(
      {
        requestTokenURL: provider.oauth.requestTokenUrl,
        accessTokenURL: provider.oauth.accessTokenUrl,
        userAuthorizationURL: provider.oauth.authorizationUrl,
        consumerKey: client.clientId,
        consumerSecret: client.clientSecret,
        requestTokenStore: connectSessionRequestTokens,
        sessionKey: `oauth:${active.id}`,
        skipUserProfile: true,
      },
      (_token, _tokenSecret, results: ExchangeResults, _profile, verified) =>
        verified(null, results.tokens),
    );
    this.name = active.id;
    const context = ProviderRegistry.callContext(active, client);
    this._oauth.getOAuthRequestToken = (params, callback) => {
      startOAuth1Authorization(provider, context, params.oauth_callback ?? '').then(
        // The SDK speaks OAuth 1.0a: the callback went with the request token, so passport
        // leaves it out of the authorization URL.
        (started) =>
          callback(null, started.requestToken, started.requestTokenSecret, {
            oauth_callback_confirmed: 'true',
          }),
        (error: unknown) => callback(asError(error)),
      );
    };
    this._oauth.getOAuthAccessToken = (token, tokenSecret, verifier, callback) => {
      completeOAuth1Authorization(provider, context, {
        requestToken: token,
        requestTokenSecret: tokenSecret,
        verifier: verifier ?? '',
      }).then(
        (tokens) => callback(null, tokens.accessToken, tokens.tokenSecret, { tokens }),
        (error: unknown) => callback(asError(error)),
      );
    };
  }

  /** Runs the redirect half: the URL to send the person to, coming back to `callbackURL`. */
  async authorizationUrl(callbackURL: string, keepRequestToken: KeepRequestToken): Promise<string> {
    const outcome = await runStrategy(this, { query: {}, keepRequestToken }, { callbackURL });
    if (!('redirect' in outcome)) throw new Error(`${this.name} authorized without a redirect`);
    return outcome.redirect;
  }

  /** Runs the callback half for a callback carrying a request token and verifier. */
  async exchangeVerifier(
    query: Readonly<Record<string, string | undefined>>,
    claimRequestToken: ClaimRequestToken,
  ): Promise<TokenSet> {
    const outcome = await runStrategy(this, { query, claimRequestToken }, {});
    if (!('tokens' in outcome)) throw new Error(`${this.name} redirected from a callback`);
    return outcome.tokens;
  }
}
