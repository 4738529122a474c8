import OAuth2Strategy from 'passport-oauth2';
import {
  type ClientCredentials,
  exchangeAuthorizationCode,
  type OAuth2Declaration,
  type TokenSet,
} from '@tether/provider-sdk';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { CallbackFailure } from './connect-outcome';
import { asError, type ClaimState, type OpenState, runStrategy } from './passport-run';

/** The request passport sees: the callback's query, and what the state store does with it. */
interface ConnectRequest {
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly openState?: OpenState;
  readonly claimState?: ClaimState;
}

type StoreCallback = (error: Error | null, state?: string) => void;
type VerifyCallback = (error: Error | null, ok: string | boolean, info?: unknown) => void;

/**
 * passport-oauth2's state store, backed by the ConnectSession row rather than express-session: the
 * state is the session, so it holds across instances. passport-oauth2 tells the PKCE form of
 * `store` and `verify` by their arity, so every parameter stays declared.
 * @see https://github.com/jaredhanson/passport-oauth2/blob/v1.8.0/lib/strategy.js#L161
 */
const connectSessionStore = {
  store(
    req: ConnectRequest,
    verifier: string | undefined,
    _state: unknown,
    _meta: unknown,
    callback: StoreCallback,
  ): void {
    let state: string;
    try {
      if (!req.openState) throw new Error('No connect session to give a state to');
      state = req.openState(verifier);
    } catch (error) {
      callback(asError(error));
      return;
    }
    callback(null, state);
  },
  verify(
    req: ConnectRequest,
    state: string | undefined,
    _meta: unknown,
    callback: VerifyCallback,
  ): void {
    if (!req.claimState) {
      callback(new Error('No connect session to check the state against'), false);
      return;
    }
    req.claimState(state).then(
      // passport-oauth2 sends a string `ok` as the PKCE code_verifier.
      (verifier) => callback(null, verifier ?? true),
      (error: unknown) =>
        error instanceof CallbackFailure
          ? callback(null, false, error)
          : callback(asError(error), false),
    );
  },
};

/** What the strategy yields in the verify step: the SDK's reading of the token response. */
interface ExchangeResults {
  readonly tokens: TokenSet;
}

/** What passport-oauth2 sends with the code: the parameters it chose for the exchange. */
interface ExchangeParameters {
  readonly redirect_uri?: string;
  readonly code_verifier?: string;
}

type ExchangeCallback = (
  error: Error | null,
  accessToken?: string,
  refreshToken?: string,
  results?: ExchangeResults,
) => void;

/**
 * One OAuth 2.0 provider's passport-oauth2 strategy, built from its declaration: passport builds
 * the authorization request (state from the connect session, PKCE S256 where the network takes
 * it), checks the returned state against the session and asks for the code exchange. The exchange
 * itself goes out through the SDK's step on the provider runtime's `fetch`, with the declared
 * client authentication (node-oauth would put the secret in the form body, which X and Pinterest
 * refuse), and the SDK reads and classifies the answer. The profile is not fetched here: account
 * discovery is the provider's.
 */
export class OAuth2ProviderStrategy extends OAuth2Strategy {
  private readonly oauth: OAuth2Declaration;
  private readonly clientId: string;

  constructor(active: ActiveProvider, client: ClientCredentials, callbackURL: string) {
    const { provider } = active;
    if (provider.oauth.version !== '2.0')
      throw new TypeError(`${active.id} speaks OAuth ${provider.oauth.version}, not OAuth 2.0`);
    const oauth = provider.oauth;
    super(
      {
        authorizationURL: oauth.authorizationUrl,
        tokenURL: oauth.tokenUrl,
        clientID: client.clientId,
        clientSecret: client.clientSecret,
        callbackURL,
        scopeSeparator: provider.scopes.separator,
        pkce: oauth.pkce !== 'unsupported',
        // The types know only the store's plain forms, not the PKCE one passport-oauth2 calls.
        store: connectSessionStore as unknown as OAuth2Strategy.StateStore,
        sessionKey: `oauth2:${active.id}`,
        skipUserProfile: true,
      },
      (
        _accessToken: string,
        _refreshToken: string,
        results: ExchangeResults,
        _profile: unknown,
        verified: OAuth2Strategy.VerifyCallback,
      ) => verified(null, results.tokens),
    );
    this.name = active.id;
    this.oauth = oauth;
    this.clientId = client.clientId;
    const context = ProviderRegistry.callContext(active, client);
    // passport-oauth2 hands over the code with the parameters it chose (redirect_uri and the
    // code_verifier from the state store).
    const exchange = (code: string, params: ExchangeParameters, callback: ExchangeCallback) => {
      exchangeAuthorizationCode(provider, context, {
        code,
        redirectUri: params.redirect_uri ?? callbackURL,
        ...(params.code_verifier ? { codeVerifier: params.code_verifier } : {}),
      }).then(
        (tokens) => callback(null, tokens.accessToken, tokens.refreshToken, { tokens }),
        (error: unknown) => callback(asError(error)),
      );
    };
    // node-oauth's types have the callback's error never null, which it is on success.
    this._oauth2.getOAuthAccessToken =
      exchange as unknown as typeof this._oauth2.getOAuthAccessToken;
  }

  /** The declared fixed parameters, and the client id under the network's name for it. */
  override authorizationParams(): object {
    const named = this.oauth.clientIdParameter;
    return {
      ...(named && named !== 'client_id' ? { [named]: this.clientId } : {}),
      ...this.oauth.authorizationParams,
    };
  }

  /** Runs the redirect half: the URL to send the person to, with the session's state. */
  async authorizationUrl(scopes: readonly string[], openState: OpenState): Promise<string> {
    const outcome = await runStrategy(this, { query: {}, openState }, { scope: [...scopes] });
    if (!('redirect' in outcome)) throw new Error(`${this.name} authorized without a redirect`);
    const url = new URL(outcome.redirect);
    // passport-oauth2 always names the client `client_id`; a network that names it otherwise
    // got its own name from authorizationParams.
    const named = this.oauth.clientIdParameter;
    if (named && named !== 'client_id') url.searchParams.delete('client_id');
    return url.toString();
  }

  /** Runs the callback half for a callback carrying a code: the tokens, or why not. */
  async exchangeCode(
    query: Readonly<Record<string, string | undefined>>,
    claimState: ClaimState,
  ): Promise<TokenSet> {
    const outcome = await runStrategy(this, { query, claimState }, {});
    if (!('tokens' in outcome)) throw new Error(`${this.name} redirected from a callback`);
    return outcome.tokens;
  }
}
