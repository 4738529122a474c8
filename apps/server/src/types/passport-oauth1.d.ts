/**
 * The parts of passport-oauth1 1.3 that Tether uses: the package ships no types and
 * DefinitelyTyped has none.
 * @see https://github.com/jaredhanson/passport-oauth1/blob/v1.3.0/lib/strategy.js
 */
declare module 'passport-oauth1' {
  /** node-oauth's OAuth 1.0a client, as the strategy holds it in `_oauth`. */
  interface NodeOAuth1Client {
    getOAuthRequestToken(
      params: Readonly<Record<string, string>>,
      callback: (
        error: Error | null,
        token?: string,
        tokenSecret?: string,
        results?: Readonly<Record<string, string>>,
      ) => void,
    ): void;
    getOAuthAccessToken(
      token: string,
      tokenSecret: string,
      verifier: string | null,
      callback: (
        error: Error | null,
        token?: string,
        tokenSecret?: string,
        results?: object,
      ) => void,
    ): void;
  }

  interface StrategyOptions {
    readonly requestTokenURL: string;
    readonly accessTokenURL: string;
    readonly userAuthorizationURL: string;
    readonly consumerKey: string;
    readonly consumerSecret: string;
    readonly callbackURL?: string;
    readonly requestTokenStore?: object;
    readonly sessionKey?: string;
    readonly skipUserProfile?: boolean;
  }

  class OAuthStrategy {
    constructor(
      options: StrategyOptions,
      verify: (
        token: string,
        tokenSecret: string,
        results: never,
        profile: unknown,
        verified: (error: Error | null, user?: unknown) => void,
      ) => void,
    );
    name: string;
    protected _oauth: NodeOAuth1Client;
    authenticate(req: object, options?: object): void;
  }

  export = OAuthStrategy;
}
