import { type EntityDictionary, EntityManager, type FilterQuery, raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Connection,
  ConnectionEvent,
  type ConnectionStatus,
  Grant,
  User,
} from '@tether/persistence';
import { Clock } from '../clock/clock';
import { DomainError } from '../domain-error';
import { afterCursor, NEWEST_FIRST, pageOf } from '../http/page';
import type { Principal } from '../identity/principal';
import { ProviderRegistry } from '../providers/provider-registry';
import { actorOf, recordEvent } from './audit-trail';
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
    if (principal.userRole !== 'member' || !principal.userId) return base;
    return {
      ...base,
      $or: [{ owner: principal.userId }, { sharedWith: { $like: `%"${principal.userId}"%` } }],
    };
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
   * {@link get} with only its grant, in one plain joined query and two row mappings instead of
   * the ORM's query building and hydration: the token read, the hottest route, runs on this.
   * The visibility rule is {@link visibility}'s, in SQL.
   */
  async getWithGrant(principal: Principal, id: string): Promise<Connection> {
    const em = this.em.fork();
    const grantColumns = em
      .getMetadata()
      .get(Grant.name)
      .props.flatMap((property) => property.fieldNames ?? []);
    const query = (em as SqlEntityManager)
      .getKnex()('connections as c')
      .join('grants as g', 'g.id', 'c.grant_id')
      .where('c.id', id)
      .andWhere('c.workspace_id', principal.workspaceId)
      .first(['c.*', ...grantColumns.map((column) => `g.${column} as g__${column}`)]);
    if (principal.userRole === 'member' && principal.userId) {
      const userId = principal.userId;
      void query.andWhere((visible) => {
        void visible.where('c.owner_id', userId).orWhere('c.shared_with', 'like', `%"${userId}"%`);
      });
    }
    const row = (await query) as Record<string, unknown> | undefined;
    if (!row)
      throw new DomainError('CONNECTION_NOT_FOUND', `No connection ${id} visible to this key.`);
    const grantRow: Record<string, unknown> = {};
    const connectionRow: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row))
      if (column.startsWith('g__')) grantRow[column.slice(3)] = value;
      else connectionRow[column] = value;
    em.map(Grant, grantRow as EntityDictionary<Grant>);
    return em.map(Connection, connectionRow as EntityDictionary<Connection>);
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
