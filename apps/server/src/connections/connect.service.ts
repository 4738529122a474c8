import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Connection, ConnectSession, User, Workspace } from '@tether/persistence';
import {
  AccountNotSupportedError,
  type ClientCredentials,
  type Discovery,
  ProviderRequestError,
  type TokenSet,
} from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';
import type { Principal } from '../identity/principal';
import { CredentialRejections } from '../providers/credential-rejections';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { AccountMismatchError, AuthorizationStore } from './authorization-store';
import { CallbackFailure, type CallbackResult } from './connect-outcome';
import { OAuth1ProviderStrategy } from './oauth1-strategy';
import { OAuth2ProviderStrategy } from './oauth2-strategy';
import type { ClaimState, OpenState } from './passport-run';
import { checkReturnTo } from './return-url';
import { TokenVault } from './token-vault';
import { loggableMessage } from '../logging/loggable-error';

const SESSION_LIFETIME_MS = 10 * 60 * 1000;

/** What starting a session needs. */
export interface StartSession {
  readonly provider: string;
  readonly ownerId?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly returnTo?: string | undefined;
  readonly mode?: 'redirect' | 'popup' | undefined;
}

/** The session a callback belongs to: once its state is found, and once it is claimed. */
interface CallbackSession {
  found?: ConnectSession;
  claimed?: ConnectSession;
}

function cancelled(): CallbackFailure {
  return new CallbackFailure(
    'access_denied',
    'The connection was cancelled at the network: nothing was connected.',
  );
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * The connect flow: a session holds the hashed state and PKCE verifier; the callback checks
 * them, exchanges the code, discovers the accounts, checks the granted scopes and stores one
 * connection per account — or records why not, without leaving half a connection behind.
 */
@Injectable()
export class ConnectService {
  private readonly logger = new Logger('Connect');
  private readonly strategies = new WeakMap<
    ActiveProvider,
    OAuth2ProviderStrategy | OAuth1ProviderStrategy
  >();

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly vault: TokenVault,
    private readonly store: AuthorizationStore,
    private readonly credentials: CredentialRejections,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  redirectUri(providerId: string): string {
    return `${this.config.publicUrl}/oauth/${providerId}/callback`;
  }

  /** Creates a session and the URL to send the person to. */
  async start(
    principal: Principal,
    input: StartSession,
    reauthorize?: Connection,
  ): Promise<{ session: ConnectSession; authorizationUrl: string }> {
    if (
      principal.userRole === 'member' &&
      input.ownerId !== undefined &&
      input.ownerId !== principal.userId
    ) {
      throw new DomainError(
        'INSUFFICIENT_SCOPE',
        'A member starts connect sessions for themselves only: leave out ownerId, or ask a workspace admin.',
      );
    }
    const active = this.registry.get(input.provider);
    const { provider } = active;
    if (provider.availability.status === 'discontinued') {
      throw new DomainError(
        'PROVIDER_UNAVAILABLE',
        `${provider.displayName} is discontinued: ${provider.availability.why ?? ''}`,
      );
    }
    if (!active.client) {
      throw new DomainError(
        'PROVIDER_NOT_CONFIGURED',
        `${provider.displayName} has no app credentials: set options.clientId and options.clientSecret for '${active.id}' in tether.config.json.`,
      );
    }
    const optional = new Set(provider.scopes.optional.map((scope) => scope.name));
    const unknown = (input.scopes ?? []).filter((scope) => !optional.has(scope));
    if (unknown.length > 0) {
      throw new DomainError(
        'INVALID_REQUEST',
        `scopes: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not an optional scope of ${active.id}.`,
        {
          errors: [{ in: 'body', path: 'scopes', message: `unknown: ${unknown.join(', ')}` }],
        },
      );
    }
    // Tether's reconnect pages are always a place to come back to.
    checkReturnTo(input.returnTo, [
      ...this.config.returnUrls,
      `${this.config.publicUrl}/reconnect`,
    ]);
    const em = this.em.fork();
    const ownerId = input.ownerId ?? reauthorize?.owner?.id ?? principal.userId;
    const owner = ownerId
      ? await em.findOne(User, { id: ownerId, workspace: principal.workspaceId })
      : null;
    if (ownerId && !owner) {
      throw new DomainError('INVALID_REQUEST', `ownerId: no user ${ownerId} in this workspace.`, {
        errors: [{ in: 'body', path: 'ownerId', message: 'no such user in this workspace' }],
      });
    }
    // Re-authorizing asks again for the optional scopes the authorization had, unless told
    // otherwise: without them, the account (an organisation, a Page) may not come back.
    const previouslyGranted = reauthorize
      ? (JSON.parse(reauthorize.grant.grantedScopes) as string[]).filter((scope) =>
          optional.has(scope),
        )
      : [];
    const scopes = [
      ...provider.scopes.required.map((scope) => scope.name),
      ...(input.scopes ?? previouslyGranted),
    ];
    const session = Object.assign(new ConnectSession(), {
      workspace: em.getReference(Workspace, principal.workspaceId),
      provider: active.id,
      ...(owner ? { owner } : {}),
      ...(reauthorize ? { connectionId: reauthorize.id } : {}),
      scopes: JSON.stringify(scopes),
      ...(input.returnTo ? { returnTo: input.returnTo } : {}),
      mode: input.mode ?? 'redirect',
      createdAt: this.clock.now(),
      expiresAt: new Date(this.clock.now().getTime() + SESSION_LIFETIME_MS),
    });
    const openState: OpenState = (verifier) => {
      const state = randomBytes(32).toString('base64url');
      session.stateHash = sha256(state);
      if (verifier) session.verifier = this.vault.sealSessionSecret(session.id, verifier);
      return state;
    };
    let networkUrl: string;
    if (provider.oauth.version === '2.0') {
      networkUrl = await this.oauth2(active, active.client).authorizationUrl(scopes, openState);
    } else {
      const state = openState(undefined);
      const callback = `${this.redirectUri(active.id)}?state=${encodeURIComponent(state)}`;
      try {
        networkUrl = await this.oauth1(active, active.client).authorizationUrl(
          callback,
          (token, tokenSecret) => {
            session.requestToken = token;
            session.verifier = this.vault.sealSessionSecret(session.id, tokenSecret);
          },
        );
      } catch (error) {
        if (error instanceof ProviderRequestError) {
          throw new DomainError(
            'PROVIDER_REQUEST_FAILED',
            `${provider.displayName} refused to start the authorization (${error.classification.reason}): ${error.classification.remedy}`,
          );
        }
        throw error;
      }
    }
    await em.persistAndFlush(session);
    return { session, authorizationUrl: this.registry.browserUrl(active, networkUrl) };
  }

  /** Finds a session of the workspace. */
  async get(principal: Principal, id: string): Promise<ConnectSession> {
    const session = await this.em.fork().findOne(ConnectSession, {
      id,
      workspace: principal.workspaceId,
      // A member sees only the sessions they started for themselves.
      ...(principal.userRole === 'member' ? { owner: principal.userId ?? null } : {}),
    });
    if (!session)
      throw new DomainError(
        'CONNECT_SESSION_NOT_FOUND',
        `No connect session ${id} in this workspace.`,
      );
    return session;
  }

  /** The passport-oauth2 strategy of a loaded OAuth 2.0 provider, built once for its credentials. */
  private oauth2(active: ActiveProvider, client: ClientCredentials): OAuth2ProviderStrategy {
    const built = this.strategies.get(active);
    if (built instanceof OAuth2ProviderStrategy) return built;
    const strategy = new OAuth2ProviderStrategy(active, client, this.redirectUri(active.id));
    this.strategies.set(active, strategy);
    return strategy;
  }

  /** The passport-oauth1 strategy of a loaded OAuth 1.0a provider, built once for its credentials. */
  private oauth1(active: ActiveProvider, client: ClientCredentials): OAuth1ProviderStrategy {
    const built = this.strategies.get(active);
    if (built instanceof OAuth1ProviderStrategy) return built;
    const strategy = new OAuth1ProviderStrategy(active, client);
    this.strategies.set(active, strategy);
    return strategy;
  }

  /**
   * Finds the session of a returned state and claims it, once; `callback` learns the session
   * when found and when claimed. Returns the session's verifier or request-token secret.
   */
  private claimState(providerId: string, callback: CallbackSession): ClaimState {
    return async (state) => {
      if (!state)
        throw new CallbackFailure(
          'state_missing',
          'The callback carries no state: start the connection again from the app.',
        );
      const em = this.em.fork();
      const session = await em.findOne(
        ConnectSession,
        { stateHash: sha256(state), provider: providerId },
        { populate: ['owner'] },
      );
      if (!session)
        throw new CallbackFailure(
          'state_missing',
          'This sign-in link is unknown: start the connection again from the app.',
        );
      callback.found = session;
      // Claim the session atomically: a replay racing this request finds it no longer pending.
      const claimed =
        session.status === 'pending' &&
        (await em.nativeUpdate(
          ConnectSession,
          { id: session.id, status: 'pending' },
          { status: 'processing' },
        )) === 1;
      if (!claimed)
        throw new CallbackFailure(
          'state_replayed',
          'This sign-in was already used; start a new connection.',
        );
      callback.claimed = session;
      if (session.expiresAt.getTime() <= this.clock.now().getTime()) {
        throw new CallbackFailure(
          'state_expired',
          'The sign-in took longer than 10 minutes; start the connection again.',
        );
      }
      return session.verifier
        ? this.vault.openSessionSecret(session.id, session.verifier)
        : undefined;
    };
  }

  /** Handles the network's redirect back to Tether. Never throws for the person's or the network's failures. */
  async complete(
    providerId: string,
    query: Readonly<Record<string, string | undefined>>,
  ): Promise<CallbackResult> {
    const callback: CallbackSession = {};
    let result: CallbackResult;
    try {
      const { session, connectionIds } = await this.connect(providerId, query, callback);
      result = {
        session,
        outcome: session.connectionId ? 'reauthorized' : 'connected',
        detail: session.connectionId
          ? 'The connection was re-authorized.'
          : `Connected ${connectionIds.length} account(s).`,
        connectionIds,
      };
    } catch (error) {
      // Before a session is claimed there is nothing to record: a state that matches none, or
      // one already used (whose first outcome stands).
      if (!callback.claimed) {
        if (!(error instanceof CallbackFailure)) throw error;
        return {
          ...(callback.found ? { session: callback.found } : {}),
          outcome: error.outcome,
          detail: error.detail,
          connectionIds: [],
        };
      }
      if (!(error instanceof CallbackFailure)) {
        this.logger.error(`Callback for ${providerId} failed: ${loggableMessage(error)}`);
      }
      result =
        error instanceof CallbackFailure
          ? { outcome: error.outcome, detail: error.detail, connectionIds: [] }
          : {
              outcome: 'provider_unreachable',
              detail: 'Tether could not complete the connection; try again.',
              connectionIds: [],
            };
    }
    const finished = this.em.fork();
    const record = await finished.findOneOrFail(ConnectSession, { id: callback.claimed!.id });
    Object.assign(record, {
      status:
        result.outcome === 'connected' || result.outcome === 'reauthorized'
          ? 'completed'
          : 'failed',
      outcome: result.outcome,
      outcomeDetail: result.detail,
      connectionIds: JSON.stringify(result.connectionIds),
      completedAt: this.clock.now(),
      // The verifier or request-token secret is single use.
      verifier: undefined,
    });
    await finished.flush();
    return { ...result, session: record };
  }

  /**
   * The callback's tokens, through the provider's passport strategy: passport-oauth2 checks the
   * state, hands over the PKCE verifier and asks for the code exchange; passport-oauth1 finds the
   * request token's secret and asks for the access token. Neither looks at the state of a
   * callback that brings no code (an error) or no verifier (a refusal), so those claim their
   * session with the same function and end with the reason.
   */
  private async exchange(
    providerId: string,
    query: Readonly<Record<string, string | undefined>>,
    callback: CallbackSession,
  ): Promise<TokenSet> {
    const claimState = this.claimState(providerId, callback);
    const loaded = this.registry.find(providerId);
    const oauth = loaded?.provider.oauth;
    if (loaded?.client && oauth?.version === '2.0' && query.code && !query.error)
      return this.oauth2(loaded, loaded.client).exchangeCode(query, claimState);
    if (loaded?.client && oauth?.version === '1.0a' && query.oauth_token && query.oauth_verifier)
      return this.oauth1(loaded, loaded.client).exchangeVerifier(query, async (token) => {
        const secret = await claimState(query.state);
        if (!secret || callback.claimed!.requestToken !== token) throw cancelled();
        return secret;
      });
    await claimState(query.state);
    const active = this.registry.get(callback.claimed!.provider);
    if (active.provider.oauth.version !== '2.0') throw cancelled();
    if (query.error) {
      throw new CallbackFailure(
        query.error === 'access_denied' ? 'access_denied' : 'authorization_failed',
        query.error === 'access_denied'
          ? cancelled().detail
          : `The network refused the authorization (${query.error}).`,
      );
    }
    throw new CallbackFailure('authorization_failed', 'The network sent no authorization code.');
  }

  /** Completes the authorization of a callback; `callback` learns its session. */
  private async connect(
    providerId: string,
    query: Readonly<Record<string, string | undefined>>,
    callback: CallbackSession,
  ): Promise<{ session: ConnectSession; connectionIds: string[] }> {
    let tokens: TokenSet;
    let discovery: Discovery;
    try {
      tokens = await this.exchange(providerId, query, callback);
      const active = this.registry.get(providerId);
      // The token endpoint took the app's credentials.
      await this.credentials.accepted(active.id, 'token_endpoint');
      discovery = await active.provider.discoverAccounts(
        tokens,
        ProviderRegistry.callContext(active, active.client!),
      );
    } catch (error) {
      if (error instanceof AccountNotSupportedError)
        throw new CallbackFailure('account_not_supported', error.explanation);
      if (error instanceof ProviderRequestError) {
        const active = this.registry.get(providerId);
        const { provider } = active;
        await this.credentials.refused(
          active.id,
          error.classification,
          error.response,
          error.operation === 'code exchange' ? 'token_endpoint' : 'api',
        );
        const unreachable =
          error.classification.reason === 'provider_unavailable' ||
          error.classification.reason === 'rate_limited';
        throw new CallbackFailure(
          unreachable ? 'provider_unreachable' : 'code_exchange_failed',
          unreachable
            ? `${provider.displayName} did not answer; try again in a moment.`
            : `${provider.displayName} refused the authorization (${error.classification.reason}). ${error.classification.remedy}`,
        );
      }
      throw error;
    }
    const session = callback.claimed!;
    const active = this.registry.get(providerId);
    const { provider } = active;
    const requested: string[] = JSON.parse(session.scopes) as string[];
    const granted = tokens.grantedScopes;
    const required = provider.scopes.required.map((scope) => scope.name);
    if (granted) {
      const missing = required.filter((scope) => !granted.includes(scope));
      if (missing.length > 0) {
        throw new CallbackFailure(
          'scopes_missing',
          `These permissions were not granted: ${missing.join(', ')}. Connect again and allow them.`,
        );
      }
    }
    const missingOptional = granted
      ? requested.filter((scope) => !required.includes(scope) && !granted.includes(scope))
      : [];
    try {
      const connectionIds = await this.store.save({
        session,
        active,
        tokens,
        discovery,
        missingOptional,
      });
      return { session, connectionIds };
    } catch (error) {
      if (error instanceof AccountMismatchError)
        throw new CallbackFailure(
          'account_mismatch',
          'You signed in with a different account than the one this connection belongs to; nothing was changed.',
        );
      throw error;
    }
  }
}
