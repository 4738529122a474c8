import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { defaultConnectionNames } from '@tether/core';
import { Connection, type ConnectSession, Grant, User, Workspace } from '@tether/persistence';
import type { DiscoveredAccount, Discovery, TokenSet } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import type { ActiveProvider } from '../providers/provider-registry';
import { recordEvent } from './audit-trail';
import { scheduleAccountCheck, scheduleGrant, setHardExpiry } from './connection-state';
import { changeStatus } from './status-transition';
import { TokenVault } from './token-vault';

/** Why a completed authorization could not be stored; the callback reports it as its outcome. */
export class AccountMismatchError extends Error {
  readonly code = 'ACCOUNT_MISMATCH';
}

/** What the callback obtained: the tokens, the accounts, and the optional scopes not granted. */
export interface CompletedAuthorization {
  readonly session: ConnectSession;
  readonly active: ActiveProvider;
  readonly tokens: TokenSet;
  readonly discovery: Discovery;
  readonly missingOptional: readonly string[];
}

/**
 * Stores a completed authorization in one transaction: a new grant with one connection per
 * account, or new tokens for a connection being re-authorized. Every status change goes through
 * the status machine, so coming back is `connection.reauthorized`.
 */
@Injectable()
export class AuthorizationStore {
  constructor(
    private readonly em: EntityManager,
    private readonly vault: TokenVault,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Stores it; returns the ids of the connections it made or renewed. */
  save(done: CompletedAuthorization): Promise<string[]> {
    return this.em
      .fork()
      .transactional((em) =>
        done.session.connectionId ? this.reauthorize(em, done) : this.connect(em, done),
      );
  }

  private actor(session: ConnectSession): string {
    return session.owner ? `user:${session.owner.id}` : 'system';
  }

  /** Marks a connection as working again through the person, or records that they re-authorized. */
  private comeBack(
    em: EntityManager,
    connection: Connection,
    actor: string,
    now: Date,
    data?: Record<string, unknown>,
  ): void {
    const changed = changeStatus(
      em,
      connection,
      { type: 'reauthorized' },
      { actor, at: now, ...(data ? { data } : {}) },
    );
    if (!changed) {
      recordEvent(em, {
        workspaceId: connection.workspace.id,
        connectionId: connection.id,
        type: 'connection.reauthorized',
        actor,
        at: now,
        ...(data ? { data } : {}),
      });
    }
  }

  private async reauthorize(em: EntityManager, done: CompletedAuthorization): Promise<string[]> {
    const { session, active, tokens, discovery } = done;
    const { provider } = active;
    const workspace = em.getReference(Workspace, session.workspace.id);
    const actor = this.actor(session);
    const connection = await em.findOne(
      Connection,
      { id: session.connectionId!, workspace },
      { populate: ['grant'] },
    );
    const account = connection
      ? discovery.accounts.find((candidate) => candidate.id === connection.accountId)
      : undefined;
    if (!connection || !account) throw new AccountMismatchError();
    const now = this.clock.now();
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
        createdAt: now,
      });
      em.persist(own);
      connection.grant = own;
    } else {
      for (const sibling of siblings.filter((c) => c.status !== 'active')) {
        changeStatus(
          em,
          sibling,
          { type: 'reauthorized' },
          { actor, at: now, data: { reauthorizedThrough: connection.id } },
        );
      }
    }
    const grant = connection.grant;
    this.vault.storeGrantTokens(grant, tokens, now);
    Object.assign(grant, {
      subjectId: discovery.subject.id,
      subjectName: discovery.subject.name,
      lastRefreshedAt: now,
      failureCount: 0,
      nextCheckAt: undefined,
    });
    scheduleGrant(provider, grant, now);
    // Accounts still on the same authorization lapse when it does, now later.
    for (const sibling of siblings.filter((c) => c.grant === grant))
      setHardExpiry(provider, grant, sibling, now);
    this.vault.storeConnectionToken(connection, account.tokens);
    Object.assign(connection, {
      missingScopes: JSON.stringify(done.missingOptional),
      updatedAt: now,
    });
    this.comeBack(em, connection, actor, now);
    setHardExpiry(provider, grant, connection, now);
    scheduleAccountCheck(provider, connection, now);
    await this.endOtherGrants(em, active, grant, actor, now);
    return [connection.id];
  }

  private async connect(em: EntityManager, done: CompletedAuthorization): Promise<string[]> {
    const { session, active, tokens, discovery } = done;
    const { provider } = active;
    const workspace = em.getReference(Workspace, session.workspace.id);
    const actor = this.actor(session);
    const now = this.clock.now();
    const grant = Object.assign(new Grant(), {
      workspace,
      provider: active.id,
      subjectId: discovery.subject.id,
      subjectName: discovery.subject.name,
      createdAt: now,
      updatedAt: now,
    });
    this.vault.storeGrantTokens(grant, tokens, now);
    scheduleGrant(provider, grant, now);
    em.persist(grant);
    const ids: string[] = [];
    const replacedGrants = new Set<string>();
    const existing = new Map(
      (
        await em.find(Connection, {
          workspace,
          provider: active.id,
          accountId: { $in: discovery.accounts.map((account) => account.id) },
        })
      ).map((connection) => [connection.accountId, connection]),
    );
    const names = await this.newNames(
      em,
      done,
      discovery.accounts.filter((account) => !existing.has(account.id)),
    );
    for (const account of discovery.accounts) {
      const known = existing.get(account.id);
      if (known) replacedGrants.add(known.grant.id);
      const connection =
        known ?? this.newConnection(em, done, account, names.get(account.id)!, workspace, now);
      Object.assign(connection, {
        grant,
        accountName: account.name,
        missingScopes: JSON.stringify(done.missingOptional),
        updatedAt: now,
      });
      this.vault.storeConnectionToken(connection, account.tokens);
      setHardExpiry(provider, grant, connection, now);
      scheduleAccountCheck(provider, connection, now);
      em.persist(connection);
      const data = { provider: active.id, accountId: account.id, accountName: account.name };
      if (known) this.comeBack(em, connection, actor, now, data);
      else
        recordEvent(em, {
          workspaceId: workspace.id,
          connectionId: connection.id,
          type: 'connection.created',
          actor,
          at: now,
          data,
        });
      ids.push(connection.id);
    }
    await em.flush();
    // A grant whose every connection moved to the new one is dropped, so nothing keeps renewing it.
    for (const replaced of replacedGrants) {
      if ((await em.count(Connection, { grant: replaced })) === 0)
        await em.nativeDelete(Grant, { id: replaced });
    }
    await this.endOtherGrants(em, active, grant, actor, now);
    return ids;
  }

  /** The default names of the accounts about to be connected, per account id. */
  private async newNames(
    em: EntityManager,
    done: CompletedAuthorization,
    accounts: readonly DiscoveredAccount[],
  ): Promise<Map<string, string>> {
    if (accounts.length === 0) return new Map();
    const network = { id: done.active.id, displayName: done.active.provider.displayName };
    // Only the names these accounts could collide with: their own, and those with the network.
    const candidates = accounts.flatMap((account) => [
      account.name,
      `${account.name} (${network.displayName})`,
    ]);
    const holders = await em.find(
      Connection,
      { workspace: done.session.workspace.id, name: { $in: candidates } },
      { fields: ['name', 'provider'] },
    );
    const names = defaultConnectionNames(accounts, network, holders);
    return new Map(accounts.map((account, index) => [account.id, names[index]!]));
  }

  private newConnection(
    em: EntityManager,
    done: CompletedAuthorization,
    account: DiscoveredAccount,
    name: string,
    workspace: Workspace,
    now: Date,
  ): Connection {
    const { session, active } = done;
    return Object.assign(new Connection(), {
      workspace,
      provider: active.id,
      accountId: account.id,
      accountKind: account.kind,
      name,
      ...(session.owner ? { owner: em.getReference(User, session.owner.id) } : {}),
      createdAt: now,
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
    now: Date,
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
        changeStatus(
          em,
          connection,
          { type: 'ended', reason: 'token_revoked' },
          {
            reason: 'token_revoked',
            remedy: `${active.provider.displayName} ended this authorization when ${grant.subjectName} authorized the app again with different permissions. Reconnect this account.`,
            actor,
            at: now,
            data: { replacedBy: grant.id },
          },
        );
      }
    }
  }
}
