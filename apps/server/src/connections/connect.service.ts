import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, ConnectSession, Grant, User, Workspace } from '@tether/persistence';
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
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';
import type { Principal } from '../identity/principal';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { recordEvent } from './audit-trail';
import { schedule } from '../lifecycle/lifecycle-policy';
import { hardExpiry, setHardExpiry } from './hard-expiry';
import { changeStatus } from './status-transition';
import { TokenVault } from './token-vault';

const SESSION_LIFETIME_MS = 10 * 60 * 1000;

/** How a connect session ended. Stable codes, recorded on the session and sent back to the client. */
export type ConnectOutcome =
  | 'connected'
  | 'reauthorized'
  | 'access_denied'
  | 'authorization_failed'
  | 'state_missing'
  | 'state_expired'
  | 'state_replayed'
  | 'code_exchange_failed'
  | 'scopes_missing'
  | 'account_not_supported'
  | 'account_mismatch'
  | 'provider_unreachable';

/** What the callback tells the person and the client. */
export interface CallbackResult {
  readonly session?: ConnectSession;
  readonly outcome: ConnectOutcome;
  readonly detail: string;
  readonly connectionIds: readonly string[];
}

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

function defaultName(owner: string, at: Date): string {
  return `${owner} ${at.toISOString().slice(0, 16).replace('T', ' ')}`;
}

class CallbackFailure extends Error {
  constructor(
    readonly outcome: ConnectOutcome,
    readonly detail: string,
  ) {
    super(detail);
  }
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
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  redirectUri(providerId: string): string {
    return `${this.config.publicUrl}/oauth/${providerId}/callback`;
  }

  private checkReturnTo(returnTo: string | undefined): void {
    if (returnTo === undefined) return;
    let url: URL;
    try {
      url = new URL(returnTo);
    } catch {
      throw new DomainError('INVALID_REQUEST', 'returnTo must be an absolute URL.', {
        errors: [{ path: 'returnTo', message: 'not an absolute URL' }],
      });
    }
    const allowed = this.config.returnUrls.some((allowedUrl) => {
      const base = new URL(allowedUrl);
      // A prefix matches whole path segments: /connections allows /connections/done, not /connections-admin.
      const prefix = base.pathname.replace(/\/+$/, '');
      return (
        url.origin === base.origin &&
        (prefix === '' || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))
      );
    });
    if (!allowed) {
      throw new DomainError(
        'RETURN_URL_NOT_ALLOWED',
        `returnTo is not in the allowed return URLs (TETHER_RETURN_URLS).`,
        {
          errors: [{ path: 'returnTo', message: 'not allowed' }],
        },
      );
    }
  }

  /** Creates a session and the URL to send the person to. */
  async start(
    principal: Principal,
    input: StartSession,
    reauthorize?: Connection,
  ): Promise<{ session: ConnectSession; authorizationUrl: string }> {
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
          errors: [{ path: 'scopes', message: `unknown: ${unknown.join(', ')}` }],
        },
      );
    }
    this.checkReturnTo(input.returnTo);
    const em = this.em.fork();
    const ownerId = input.ownerId ?? reauthorize?.owner?.id ?? principal.userId;
    const owner = ownerId
      ? await em.findOne(User, { id: ownerId, workspace: principal.workspaceId })
      : null;
    if (ownerId && !owner) {
      throw new DomainError('INVALID_REQUEST', `ownerId: no user ${ownerId} in this workspace.`, {
        errors: [{ path: 'ownerId', message: 'no such user in this workspace' }],
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
      expiresAt: new Date(Date.now() + SESSION_LIFETIME_MS),
    });
    const context = { runtime: active.runtime, client: active.client };
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
      if (session.expiresAt.getTime() <= Date.now()) {
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
        this.logger.error(
          `Callback for ${providerId} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
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
      completedAt: new Date(),
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
    const context = { runtime: active.runtime, client: active.client! };
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

  /**
   * Where the network ends a person's other tokens when they authorize again with different
   * scopes (LinkedIn), marks the connections that relied on those tokens.
   */
  private async endOtherGrants(
    em: EntityManager,
    active: ActiveProvider,
    grant: Grant,
    actor: string,
  ): Promise<void> {
    if (!active.provider.scopeChangeEndsOtherGrants) return;
    const scopes = (value: string) => (JSON.parse(value) as string[]).slice().sort().join(' ');
    // The network ends them for the whole app, so every workspace's grants of this person count.
    const others = await em.find(Grant, {
      provider: grant.provider,
      subjectId: grant.subjectId,
      id: { $ne: grant.id },
    });
    for (const other of others.filter(
      (candidate) => scopes(candidate.grantedScopes) !== scopes(grant.grantedScopes),
    )) {
      for (const connection of await em.find(Connection, { grant: other })) {
        changeStatus(em, connection, 'revoked', {
          reason: 'token_revoked',
          remedy: `${active.provider.displayName} ended this authorization when ${grant.subjectName} authorized the app again with different permissions. Reconnect this account.`,
          actor,
          data: { replacedBy: grant.id },
        });
      }
    }
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
      discovery = await provider.discoverAccounts(tokens, {
        runtime: active.runtime,
        client: active.client!,
      });
    } catch (error) {
      if (error instanceof AccountNotSupportedError)
        throw new CallbackFailure('account_not_supported', error.explanation);
      if (error instanceof ProviderRequestError) {
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
    return this.em.fork().transactional(async (em) => {
      const workspace = em.getReference(Workspace, session.workspace.id);
      const actor = session.owner ? `user:${session.owner.id}` : 'system';
      if (session.connectionId) {
        const connection = await em.findOne(
          Connection,
          { id: session.connectionId, workspace },
          { populate: ['grant'] },
        );
        const account = connection
          ? discovery.accounts.find((candidate) => candidate.id === connection.accountId)
          : undefined;
        if (!connection || !account) {
          throw new CallbackFailure(
            'account_mismatch',
            'You signed in with a different account than the one this connection belongs to; nothing was changed.',
          );
        }
        const now = new Date();
        const siblings = await em.find(Connection, {
          grant: connection.grant,
          id: { $ne: connection.id },
        });
        if (discovery.subject.id !== connection.grant.subjectId && siblings.length > 0) {
          // Someone else signed in: the accounts authorized by the first person keep their grant.
          const own = Object.assign(new Grant(), {
            workspace,
            provider: active.id,
            subjectId: discovery.subject.id,
            subjectName: discovery.subject.name,
          });
          em.persist(own);
          connection.grant = own;
        } else {
          for (const sibling of siblings.filter(
            (c) => c.status === 'revoked' || c.status === 'expired',
          )) {
            changeStatus(em, sibling, 'active', {
              actor,
              data: { reauthorizedThrough: connection.id },
            });
          }
        }
        const grant = connection.grant;
        this.vault.storeGrantTokens(grant, tokens);
        Object.assign(grant, {
          subjectId: discovery.subject.id,
          subjectName: discovery.subject.name,
          lastRefreshedAt: now,
          failureCount: 0,
          refreshOutcomeUnknown: false,
          nextCheckAt: undefined,
        });
        schedule(provider, grant, now);
        // Accounts still on the same authorization lapse when it does, now later.
        for (const sibling of siblings.filter((c) => c.grant === grant)) {
          setHardExpiry(sibling, hardExpiry(provider, grant, sibling));
        }
        this.vault.storeConnectionToken(connection, account.tokens);
        Object.assign(connection, {
          status: 'active',
          reason: undefined,
          remedy: undefined,
          missingScopes: JSON.stringify(missingOptional),
          updatedAt: new Date(),
        });
        setHardExpiry(connection, hardExpiry(provider, connection.grant, connection));
        recordEvent(em, {
          workspaceId: workspace.id,
          connectionId: connection.id,
          type: 'connection.reauthorized',
          actor,
        });
        await this.endOtherGrants(em, active, connection.grant, actor);
        return [connection.id];
      }
      const grant = Object.assign(new Grant(), {
        workspace,
        provider: active.id,
        subjectId: discovery.subject.id,
        subjectName: discovery.subject.name,
      });
      this.vault.storeGrantTokens(grant, tokens);
      schedule(provider, grant, new Date());
      em.persist(grant);
      const now = new Date();
      const ids: string[] = [];
      const replacedGrants = new Set<string>();
      for (const account of discovery.accounts) {
        const existing = await em.findOne(Connection, {
          workspace,
          provider: active.id,
          accountId: account.id,
        });
        if (existing) replacedGrants.add(existing.grant.id);
        const connection =
          existing ??
          Object.assign(new Connection(), {
            workspace,
            provider: active.id,
            accountId: account.id,
            accountKind: account.kind,
            name: defaultName(session.owner?.name ?? discovery.subject.name, now),
            ...(session.owner ? { owner: em.getReference(User, session.owner.id) } : {}),
          });
        Object.assign(connection, {
          grant,
          accountName: account.name,
          status: 'active',
          reason: undefined,
          remedy: undefined,
          missingScopes: JSON.stringify(missingOptional),
          updatedAt: now,
        });
        this.vault.storeConnectionToken(connection, account.tokens);
        setHardExpiry(connection, hardExpiry(provider, grant, connection));
        em.persist(connection);
        recordEvent(em, {
          workspaceId: workspace.id,
          connectionId: connection.id,
          type: existing ? 'connection.reauthorized' : 'connection.created',
          actor,
          data: { provider: active.id, accountId: account.id, accountName: account.name },
        });
        ids.push(connection.id);
      }
      await em.flush();
      // A grant whose every connection moved to the new one is dropped, so nothing keeps renewing it.
      for (const replaced of replacedGrants) {
        if ((await em.count(Connection, { grant: replaced })) === 0)
          await em.nativeDelete(Grant, { id: replaced });
      }
      await this.endOtherGrants(em, active, grant, actor);
      return ids;
    });
  }
}
