import { EntityManager, type FilterQuery, raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Inject, Injectable, Logger } from '@nestjs/common';
import DataLoader from 'dataloader';
import { Connection, ConnectionEvent, type ConnectionStatus, User } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { DomainError } from '../domain-error';
import { afterCursor, NEWEST_FIRST, pageOf } from '../http/page';
import type { Principal } from '../identity/principal';
import { ProviderRegistry } from '../providers/provider-registry';
import { actorOf, recordEvent } from './audit-trail';
import type { TokenSource } from './connection-state';
import { TokenVault } from './token-vault';

/** Filters of the connection listing. */
export interface ConnectionFilters {
  readonly provider?: string | undefined;
  readonly status?: ConnectionStatus | undefined;
  readonly ownerId?: string | undefined;
  readonly expiringBefore?: Date | undefined;
  readonly q?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/**
 * `column LIKE '%text%'` with `%`, `_` and `\` in `text` matching themselves. The ESCAPE clause
 * is explicit: PostgreSQL defaults to the backslash, SQLite has no escape character at all.
 */
function containsText(column: string, text: string): FilterQuery<Connection> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return { [raw((alias) => `${alias}.${column} like ? escape '\\'`, [pattern])]: [] };
}

const TOKEN_SOURCE = `select c.id, c.provider, c.status, c.reason, c.remedy,
  c.access_token, c.access_token_expires_at,
  g.id as grant_id, g.access_token as grant_access_token, g.token_secret as grant_token_secret,
  g.refresh_token as grant_refresh_token,
  g.access_token_expires_at as grant_access_token_expires_at,
  g.refresh_token_expires_at as grant_refresh_token_expires_at,
  g.last_refreshed_at as grant_last_refreshed_at, g.created_at as grant_created_at,
  g.failure_count as grant_failure_count, g.next_refresh_at as grant_next_refresh_at
from connections c join grants g on g.id = c.grant_id`;

/** One token read waiting for its batch: who asks, for which connection. */
interface TokenSourceKey {
  readonly principal: Principal;
  readonly id: string;
}

/** The member whose own and shared connections are all a key sees; undefined for the rest. */
const memberOf = (principal: Principal) =>
  principal.userRole === 'member' ? principal.userId : undefined;

/** Which connections a key sees: its workspace's, or only a member's own and shared ones. */
const visibilityKey = (principal: Principal) =>
  `${principal.workspaceId} ${memberOf(principal) ?? '*'}`;

/** A stored time as a Date: PostgreSQL gives Dates, SQLite the epoch milliseconds it stores. */
function storedDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  return value instanceof Date ? value : new Date(value as number | string);
}

const optionalText = (value: unknown) =>
  value === null || value === undefined ? undefined : (value as string);

function tokenSourceOf(row: Record<string, unknown>): TokenSource {
  return {
    id: row.id as string,
    provider: row.provider as string,
    status: row.status as ConnectionStatus,
    reason: optionalText(row.reason),
    remedy: optionalText(row.remedy),
    accessToken: optionalText(row.access_token),
    accessTokenExpiresAt: storedDate(row.access_token_expires_at),
    grant: {
      id: row.grant_id as string,
      provider: row.provider as string,
      accessToken: optionalText(row.grant_access_token),
      tokenSecret: optionalText(row.grant_token_secret),
      refreshToken: optionalText(row.grant_refresh_token),
      accessTokenExpiresAt: storedDate(row.grant_access_token_expires_at),
      refreshTokenExpiresAt: storedDate(row.grant_refresh_token_expires_at),
      lastRefreshedAt: storedDate(row.grant_last_refreshed_at),
      createdAt: storedDate(row.grant_created_at)!,
      failureCount: Number(row.grant_failure_count),
      nextRefreshAt: storedDate(row.grant_next_refresh_at),
    },
  };
}

/** Reading and managing connections, within what the caller may see. */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger('Connections');

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly vault: TokenVault,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Members see what they own or what is shared with them; admins see the whole workspace. */
  private visibility(principal: Principal): FilterQuery<Connection> {
    const base: FilterQuery<Connection> = { workspace: principal.workspaceId };
    const member = memberOf(principal);
    if (!member) return base;
    return { ...base, $or: [{ owner: member }, { sharedWith: { $like: `%"${member}"%` } }] };
  }

  /**
   * A member may act on only what they own: change, delete, re-authorize, refresh, check it or
   * report its errors. A share gives read and token use, nothing that can change its state.
   */
  private assertOwner(principal: Principal, connection: Connection): void {
    if (principal.userRole === 'member' && connection.owner?.id !== principal.userId) {
      throw new DomainError(
        'INSUFFICIENT_SCOPE',
        'Only the connection’s owner or a workspace admin can change it, re-authorize, refresh or check it, or report its errors; a share gives read and token use.',
      );
    }
  }

  async list(
    principal: Principal,
    filters: ConnectionFilters,
  ): Promise<{ data: Connection[]; nextCursor: string | null }> {
    const conditions: FilterQuery<Connection>[] = [this.visibility(principal)];
    if (filters.provider) conditions.push({ provider: filters.provider });
    if (filters.status) conditions.push({ status: filters.status });
    if (filters.ownerId) conditions.push({ owner: filters.ownerId });
    if (filters.expiringBefore) conditions.push({ hardExpiresAt: { $lt: filters.expiringBefore } });
    if (filters.q) {
      conditions.push({
        $or: [containsText('name', filters.q), containsText('account_name', filters.q)],
      });
    }
    if (filters.cursor)
      conditions.push(afterCursor<Connection>(filters.cursor, this.em.getPlatform()));
    const rows = await this.em
      .fork()
      .find(
        Connection,
        { $and: conditions },
        { orderBy: NEWEST_FIRST, limit: filters.limit + 1, populate: ['grant', 'owner'] },
      );
    return pageOf(rows, filters.limit);
  }

  async get(
    principal: Principal,
    id: string,
    em: EntityManager = this.em.fork(),
  ): Promise<Connection> {
    const connection = await em.findOne(
      Connection,
      { $and: [{ id }, this.visibility(principal)] },
      { populate: ['grant', 'owner'] },
    );
    if (!connection)
      throw new DomainError('CONNECTION_NOT_FOUND', `No connection ${id} visible to this key.`);
    return connection;
  }

  /**
   * What a token read needs of a connection and its grant. Reads that arrive together (in one
   * turn of the event loop) share one query per caller visibility: under load, the round trip
   * to the database, its socket write above all, was most of a read's CPU.
   */
  async tokenSource(principal: Principal, id: string): Promise<TokenSource> {
    const source = await this.tokenSources.load({ principal, id });
    if (!source)
      throw new DomainError('CONNECTION_NOT_FOUND', `No connection ${id} visible to this key.`);
    return source;
  }

  private readonly tokenSources = new DataLoader<TokenSourceKey, TokenSource | undefined>(
    (keys) => this.readTokenSources(keys),
    { cache: false, maxBatchSize: 500, batchScheduleFn: (read) => setImmediate(read) },
  );

  /**
   * The token sources of `keys`, one query per visibility among them: the columns a token read
   * uses, in SQL written once and mapped by hand (the ORM's query building and hydration were a
   * fifth of a read's CPU). The visibility rule is {@link visibility}'s, in SQL.
   */
  private async readTokenSources(
    keys: readonly TokenSourceKey[],
  ): Promise<(TokenSource | undefined)[]> {
    const groups = new Map<string, { principal: Principal; ids: Set<string> }>();
    for (const { principal, id } of keys) {
      const visibility = visibilityKey(principal);
      const group = groups.get(visibility) ?? { principal, ids: new Set<string>() };
      group.ids.add(id);
      groups.set(visibility, group);
    }
    const knex = (this.em as SqlEntityManager).getKnex();
    const found = new Map<string, TokenSource>();
    await Promise.all(
      [...groups].map(async ([visibility, { principal, ids }]) => {
        const member = memberOf(principal);
        const result: unknown = await knex.raw(
          // `|| ''` keeps the workspace out of the index choice: without statistics SQLite
          // takes its workspace index over the primary key from five ids on, and reads every
          // connection of the workspace (three quarters of the server's CPU under reads at 100,000 rows).
          `${TOKEN_SOURCE} where c.id in (${[...ids].map(() => '?').join(', ')}) and c.workspace_id || '' = ?${
            member ? ' and (c.owner_id = ? or c.shared_with like ?)' : ''
          }`,
          [...ids, principal.workspaceId, ...(member ? [member, `%"${member}"%`] : [])],
        );
        // PostgreSQL answers { rows }, SQLite the rows themselves.
        const rows = (
          Array.isArray(result) ? result : (result as { rows: unknown[] }).rows
        ) as Record<string, unknown>[];
        for (const row of rows) found.set(`${visibility} ${String(row.id)}`, tokenSourceOf(row));
      }),
    );
    return keys.map(({ principal, id }) => found.get(`${visibilityKey(principal)} ${id}`));
  }

  /** {@link get}, for acting on the connection: the owner's or an admin's key only. */
  async getToActOn(
    principal: Principal,
    id: string,
    em: EntityManager = this.em.fork(),
  ): Promise<Connection> {
    const connection = await this.get(principal, id, em);
    this.assertOwner(principal, connection);
    return connection;
  }

  async update(
    principal: Principal,
    id: string,
    change: {
      name?: string | undefined;
      ownerId?: string | undefined;
      sharedWith?: readonly string[] | undefined;
    },
  ): Promise<Connection> {
    const em = this.em.fork();
    const connection = await this.getToActOn(principal, id, em);
    const actor = actorOf(principal);
    const users = [...(change.ownerId ? [change.ownerId] : []), ...(change.sharedWith ?? [])];
    if (users.length > 0) {
      const found = await em.find(User, { id: { $in: users }, workspace: principal.workspaceId });
      const missing = users.filter((userId) => !found.some((user) => user.id === userId));
      if (missing.length > 0) {
        throw new DomainError(
          'INVALID_REQUEST',
          `No user ${missing.join(', ')} in this workspace.`,
          {
            errors: missing.map((userId) => ({
              in: 'body' as const,
              path: change.ownerId === userId ? 'ownerId' : 'sharedWith',
              message: `no user ${userId}`,
            })),
          },
        );
      }
    }
    if (change.name !== undefined && change.name !== connection.name) {
      recordEvent(em, {
        workspaceId: principal.workspaceId,
        connectionId: id,
        type: 'connection.renamed',
        actor,
        at: this.clock.now(),
        data: { from: connection.name, to: change.name },
      });
      connection.name = change.name;
    }
    const sharedBefore = connection.sharedWith;
    const ownerBefore = connection.owner?.id;
    if (change.ownerId !== undefined) connection.owner = em.getReference(User, change.ownerId);
    if (change.sharedWith !== undefined)
      connection.sharedWith = JSON.stringify([...new Set(change.sharedWith)].sort());
    if (connection.sharedWith !== sharedBefore || connection.owner?.id !== ownerBefore) {
      recordEvent(em, {
        workspaceId: principal.workspaceId,
        connectionId: id,
        type: 'connection.shared',
        actor,
        at: this.clock.now(),
        data: {
          ownerId: connection.owner?.id ?? null,
          sharedWith: JSON.parse(connection.sharedWith) as string[],
        },
      });
    }
    connection.updatedAt = this.clock.now();
    await em.flush();
    return connection;
  }

  /**
   * Deletes a connection: revokes the grant at the network when no other connection uses it,
   * erases its tokens, keeps the audit trail.
   */
  async remove(principal: Principal, id: string): Promise<void> {
    const em = this.em.fork();
    const connection = await this.getToActOn(principal, id, em);
    const grant = connection.grant;
    const siblings = await em.count(Connection, { grant, id: { $ne: id } });
    let revokedAtNetwork = false;
    if (siblings === 0) {
      const active = this.registry.list().find((candidate) => candidate.id === connection.provider);
      const tokens = this.vault.grantTokens(grant);
      if (active?.client && active.provider.revokeToken && tokens) {
        try {
          await active.provider.revokeToken(
            tokens,
            ProviderRegistry.callContext(active, active.client),
          );
          revokedAtNetwork = true;
        } catch (error) {
          // The tokens are erased either way; a network refusing the revocation must not keep them here.
          this.logger.warn(
            `Revoking ${connection.provider} grant ${grant.id} at the network failed: ${error instanceof Error ? error.name : 'error'}`,
          );
        }
      }
      this.vault.eraseGrant(grant, this.clock.now());
    }
    recordEvent(em, {
      workspaceId: principal.workspaceId,
      connectionId: id,
      type: 'connection.deleted',
      actor: actorOf(principal),
      at: this.clock.now(),
      data: { provider: connection.provider, accountId: connection.accountId, revokedAtNetwork },
    });
    em.remove(connection);
    await em.flush();
    if (siblings === 0) await em.nativeDelete('Grant', { id: grant.id });
  }

  async events(principal: Principal, id: string): Promise<ConnectionEvent[]> {
    const em = this.em.fork();
    const visible = await em.count(Connection, { $and: [{ id }, this.visibility(principal)] });
    const events = await em.find(
      ConnectionEvent,
      { connectionId: id, workspace: principal.workspaceId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    // A deleted connection's trail stays readable by admins.
    if (visible === 0 && (principal.userRole === 'member' || events.length === 0)) {
      throw new DomainError('CONNECTION_NOT_FOUND', `No connection ${id} visible to this key.`);
    }
    return events;
  }
}
