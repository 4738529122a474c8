import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Connection, ConnectSession, User, Workspace } from '@tether/persistence';
import {
  AccountNotSupportedError,
  buildAuthorizationUrl,
  completeOAuth1Authorization,
  createPkcePair,
  type Discovery,
  exchangeAuthorizationCode,
  ProviderRequestError,
  startOAuth1Authorization,
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
    const state = randomBytes(32).toString('base64url');
    const session = Object.assign(new ConnectSession(), {
      workspace: em.getReference(Workspace, principal.workspaceId),
      provider: active.id,
      ...(owner ? { owner } : {}),
      ...(reauthorize ? { connectionId: reauthorize.id } : {}),
      scopes: JSON.stringify(scopes),
      ...(input.returnTo ? { returnTo: input.returnTo } : {}),
      mode: input.mode ?? 'redirect',
      stateHash: sha256(state),
      createdAt: this.clock.now(),
      expiresAt: new Date(this.clock.now().getTime() + SESSION_LIFETIME_MS),
    });
    const context = ProviderRegistry.callContext(active, active.client);
    let networkUrl: string;
    if (provider.oauth.version === '2.0') {
      const pkce = provider.oauth.pkce === 'unsupported' ? undefined : createPkcePair();
      if (pkce) session.verifier = this.vault.sealSessionSecret(session.id, pkce.verifier);
      networkUrl = buildAuthorizationUrl(provider, {
        clientId: active.client.clientId,
        redirectUri: this.redirectUri(active.id),
        state,
        scopes,
        ...(pkce ? { codeChallenge: pkce.challenge } : {}),
      });
    } else {
      const callback = `${this.redirectUri(active.id)}?state=${encodeURIComponent(state)}`;
      let started;
      try {
        started = await startOAuth1Authorization(provider, context, callback);
      } catch (error) {
        if (error instanceof ProviderRequestError) {
          throw new DomainError(
            'PROVIDER_REQUEST_FAILED',
            `${provider.displayName} refused to start the authorization (${error.classification.reason}): ${error.classification.remedy}`,
          );
        }
        throw error;
      }
      session.requestToken = started.requestToken;
      session.verifier = this.vault.sealSessionSecret(session.id, started.requestTokenSecret);
      networkUrl = started.authorizationUrl;
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

  /** Handles the network's redirect back to Tether. Never throws for the person's or the network's failures. */
  async complete(
    providerId: string,
    query: Readonly<Record<string, string | undefined>>,
  ): Promise<CallbackResult> {
    const state = query.state;
    if (!state)
      return {
        outcome: 'state_missing',
        detail: 'The callback carries no state: start the connection again from the app.',
        connectionIds: [],
      };
    const em = this.em.fork();
    const session = await em.findOne(
      ConnectSession,
      { stateHash: sha256(state), provider: providerId },
      { populate: ['owner'] },
    );
    if (!session)
      return {
        outcome: 'state_missing',
        detail: 'This sign-in link is unknown: start the connection again from the app.',
        connectionIds: [],
      };
    if (session.status !== 'pending') {
      return {
        session,
        outcome: 'state_replayed',
        detail: 'This sign-in was already used; start a new connection.',
        connectionIds: [],
      };
    }
    // Claim the session atomically: a replay racing this request finds it no longer pending.
    const claimed = await em.nativeUpdate(
      ConnectSession,
      { id: session.id, status: 'pending' },
      { status: 'processing' },
    );
    if (claimed !== 1) {
      return {
        session,
        outcome: 'state_replayed',
        detail: 'This sign-in was already used; start a new connection.',
        connectionIds: [],
      };
    }
    let result: CallbackResult;
    try {
      if (session.expiresAt.getTime() <= this.clock.now().getTime()) {
        throw new CallbackFailure(
          'state_expired',
          'The sign-in took longer than 10 minutes; start the connection again.',
        );
      }
      const connectionIds = await this.connect(session, query);
      result = {
        session,
        outcome: session.connectionId ? 'reauthorized' : 'connected',
        detail: session.connectionId
          ? 'The connection was re-authorized.'
          : `Connected ${connectionIds.length} account(s).`,
        connectionIds,
      };
    } catch (error) {
      if (!(error instanceof CallbackFailure)) {
        this.logger.error(`Callback for ${providerId} failed: ${loggableMessage(error)}`);
      }
      result =
        error instanceof CallbackFailure
          ? { session, outcome: error.outcome, detail: error.detail, connectionIds: [] }
          : {
              session,
              outcome: 'provider_unreachable',
              detail: 'Tether could not complete the connection; try again.',
              connectionIds: [],
            };
    }
    const finished = this.em.fork();
    const record = await finished.findOneOrFail(ConnectSession, { id: session.id });
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

  private async exchange(
    active: ActiveProvider,
    session: ConnectSession,
    query: Readonly<Record<string, string | undefined>>,
  ): Promise<TokenSet> {
    const context = ProviderRegistry.callContext(active, active.client!);
    const secret = session.verifier
      ? this.vault.openSessionSecret(session.id, session.verifier)
      : undefined;
    if (active.provider.oauth.version === '2.0') {
      if (query.error) {
        throw new CallbackFailure(
          query.error === 'access_denied' ? 'access_denied' : 'authorization_failed',
          query.error === 'access_denied'
            ? 'The connection was cancelled at the network: nothing was connected.'
            : `The network refused the authorization (${query.error}).`,
        );
      }
      if (!query.code)
        throw new CallbackFailure(
          'authorization_failed',
          'The network sent no authorization code.',
        );
      return exchangeAuthorizationCode(active.provider, context, {
        code: query.code,
        redirectUri: this.redirectUri(active.id),
        ...(secret ? { codeVerifier: secret } : {}),
      });
    }
    if (
      !query.oauth_verifier ||
      !session.requestToken ||
      query.oauth_token !== session.requestToken ||
      !secret
    ) {
      throw new CallbackFailure(
        'access_denied',
        'The connection was cancelled at the network: nothing was connected.',
      );
    }
    return completeOAuth1Authorization(active.provider, context, {
      requestToken: session.requestToken,
      requestTokenSecret: secret,
      verifier: query.oauth_verifier,
    });
  }

  private async connect(
    session: ConnectSession,
    query: Readonly<Record<string, string | undefined>>,
  ): Promise<string[]> {
    const active = this.registry.get(session.provider);
    const { provider } = active;
    let tokens: TokenSet;
    let discovery: Discovery;
    try {
      tokens = await this.exchange(active, session, query);
      // The token endpoint took the app's credentials.
      await this.credentials.accepted(active.id, 'token_endpoint');
      discovery = await provider.discoverAccounts(
        tokens,
        ProviderRegistry.callContext(active, active.client!),
      );
    } catch (error) {
      if (error instanceof AccountNotSupportedError)
        throw new CallbackFailure('account_not_supported', error.explanation);
      if (error instanceof ProviderRequestError) {
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
      return await this.store.save({ session, active, tokens, discovery, missingOptional });
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
