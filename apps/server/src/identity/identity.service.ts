import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiKey, type ApiKeyScope, User, type UserRole, Workspace } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';
import { displayPrefix, generateApiKey, hashApiKey, keyMatchesHash, sameKey } from './api-key';
import { afterCursor, NEWEST_FIRST, pageOf } from '../http/page';
import type { Principal } from './principal';

/** The workspace a fresh installation starts with, and the one `TETHER_ADMIN_KEY` belongs to. */
const DEFAULT_WORKSPACE_ID = 'default';

/** The file a generated bootstrap key is written to. */
const BOOTSTRAP_KEY_FILE = 'admin-api-key';

// Updating last-used on every request would turn each read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Keys that have not expired at `now`: keys without an expiry last until revoked. */
function unexpired(now: Date) {
  return { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] };
}

/** Workspaces, users and API keys. */
@Injectable()
export class IdentityService {
  private readonly logger = new Logger('Identity');

  constructor(
    private readonly em: EntityManager,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Creates the default workspace on an empty database. Without `TETHER_ADMIN_KEY`, a first
   * admin key is generated and written to a file only its owner can read; the log says where.
   */
  async bootstrap(): Promise<void> {
    const em = this.em.fork();
    if ((await em.count(Workspace, {})) > 0) return;
    const workspace = Object.assign(new Workspace(), { id: DEFAULT_WORKSPACE_ID, name: 'Default' });
    em.persist(workspace);
    if (this.config.adminKey) {
      await em.flush();
      return;
    }
    const { key } = this.issueKey(em, workspace, {
      name: 'Generated on first start',
      scope: 'admin',
    });
    mkdirSync(this.config.dataDir, { recursive: true, mode: 0o700 });
    const file = join(this.config.dataDir, BOOTSTRAP_KEY_FILE);
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    await em.flush();
    this.logger.log(
      `Generated an admin API key for the default workspace and wrote it to ${file} (readable only by its owner).`,
    );
  }

  /** Whether the server has an operator key (`TETHER_OPERATOR_KEY`). */
  hasOperatorKey(): boolean {
    return this.config.operatorKeyHash !== undefined;
  }

  /** Whether a bearer key is the instance's operator key. */
  isOperatorKey(key: string): boolean {
    const hash = this.config.operatorKeyHash;
    return hash !== undefined && keyMatchesHash(key, hash);
  }

  /**
   * Creates a workspace with a first admin key (bound to no user), returned with its plain value,
   * which is never retrievable again.
   */
  async createWorkspace(
    name: string,
  ): Promise<{ workspace: Workspace; apiKey: ApiKey; key: string }> {
    const em = this.em.fork();
    const workspace = em.create(Workspace, { name, createdAt: this.clock.now() });
    const issued = this.issueKey(em, workspace, {
      name: 'Created with the workspace',
      scope: 'admin',
    });
    await em.flush();
    this.logger.log(
      `Created workspace ${workspace.id} with a first admin key (${issued.apiKey.keyPrefix}…).`,
    );
    return { workspace, ...issued };
  }

  /** Workspaces, newest first, a page at a time. */
  async listWorkspaces(page: {
    limit: number;
    cursor?: string | undefined;
  }): Promise<{ data: Workspace[]; nextCursor: string | null }> {
    const rows = await this.em
      .fork()
      .find(
        Workspace,
        page.cursor ? afterCursor<Workspace>(page.cursor, this.em.getPlatform()) : {},
        {
          orderBy: NEWEST_FIRST,
          limit: page.limit + 1,
        },
      );
    return pageOf(rows, page.limit);
  }

  /** The caller a bearer key belongs to, or undefined when the key is unknown, revoked or expired. */
  async authenticate(key: string): Promise<Principal | undefined> {
    if (this.config.adminKey && sameKey(key, this.config.adminKey)) {
      return { workspaceId: DEFAULT_WORKSPACE_ID, scope: 'admin' };
    }
    const em = this.em.fork();
    const now = this.clock.now();
    const apiKey = await em.findOne(
      ApiKey,
      { keyHash: hashApiKey(key), revokedAt: null, ...unexpired(now) },
      { populate: ['user'] },
    );
    if (!apiKey) return undefined;
    if (
      !apiKey.lastUsedAt ||
      now.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS
    ) {
      apiKey.lastUsedAt = now;
      await em.flush();
    }
    return {
      workspaceId: apiKey.workspace.id,
      scope: apiKey.scope,
      apiKeyId: apiKey.id,
      ...(apiKey.user ? { userId: apiKey.user.id, userRole: apiKey.user.role } : {}),
    };
  }

  /** The workspace of a caller, and the person its key acts for when it has one. */
  async callerOf(principal: Principal): Promise<{ workspace: Workspace; user?: User }> {
    const em = this.em.fork();
    const workspace = await em.findOneOrFail(Workspace, principal.workspaceId);
    if (principal.userId === undefined) return { workspace };
    const user = await em.findOne(User, { id: principal.userId, workspace });
    return user ? { workspace, user } : { workspace };
  }

  async listUsers(workspaceId: string): Promise<User[]> {
    return this.em
      .fork()
      .find(User, { workspace: workspaceId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async createUser(
    workspaceId: string,
    input: { email: string; name: string; role: UserRole },
  ): Promise<User> {
    const em = this.em.fork();
    const user = Object.assign(new User(), {
      workspace: em.getReference(Workspace, workspaceId),
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
    });
    try {
      await em.persistAndFlush(user);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new DomainError(
          'USER_EXISTS',
          `A user with the email ${user.email} already exists in this workspace.`,
        );
      }
      throw error;
    }
    return user;
  }

  async listApiKeys(workspaceId: string): Promise<ApiKey[]> {
    return this.em
      .fork()
      .find(
        ApiKey,
        { workspace: workspaceId, revokedAt: null, ...unexpired(this.clock.now()) },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
  }

  /** Creates a key and returns it with its plain value, which is never retrievable again. */
  async createApiKey(
    workspaceId: string,
    input: { name: string; scope: ApiKeyScope; userId?: string | undefined },
  ): Promise<{ apiKey: ApiKey; key: string }> {
    const em = this.em.fork();
    let user: User | undefined;
    if (input.userId !== undefined) {
      user = (await em.findOne(User, { id: input.userId, workspace: workspaceId })) ?? undefined;
      if (!user) {
        throw new DomainError(
          'INVALID_REQUEST',
          `userId: no user ${input.userId} in this workspace.`,
          {
            errors: [{ in: 'body', path: 'userId', message: 'no such user in this workspace' }],
          },
        );
      }
    }
    const issued = this.issueKey(em, em.getReference(Workspace, workspaceId), { ...input, user });
    await em.flush();
    return issued;
  }

  async revokeApiKey(workspaceId: string, id: string): Promise<void> {
    const em = this.em.fork();
    const apiKey = await em.findOne(ApiKey, {
      id,
      workspace: workspaceId,
      revokedAt: null,
      ...unexpired(this.clock.now()),
    });
    if (!apiKey)
      throw new DomainError('API_KEY_NOT_FOUND', `No active API key ${id} in this workspace.`);
    apiKey.revokedAt = this.clock.now();
    await em.flush();
  }

  /**
   * Revokes the caller's key if it is a console sign-in's: only those expire by themselves. A
   * key someone made to keep is never revoked by signing out of the console with it.
   */
  async endSignIn(principal: Principal): Promise<void> {
    if (principal.apiKeyId === undefined) return;
    await this.em
      .fork()
      .nativeUpdate(
        ApiKey,
        { id: principal.apiKeyId, expiresAt: { $ne: null }, revokedAt: null },
        { revokedAt: this.clock.now() },
      );
  }

  /** A new key on `em`, to be flushed by the caller, with its plain value. */
  private issueKey(
    em: EntityManager,
    workspace: Workspace,
    input: { name: string; scope: ApiKeyScope; user?: User | undefined },
  ): { apiKey: ApiKey; key: string } {
    const key = generateApiKey();
    const apiKey = em.create(ApiKey, {
      workspace,
      ...(input.user ? { user: input.user } : {}),
      name: input.name,
      scope: input.scope,
      keyHash: hashApiKey(key),
      keyPrefix: displayPrefix(key),
      createdAt: this.clock.now(),
    });
    return { apiKey, key };
  }
}
