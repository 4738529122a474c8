import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** A tenant: every user, key and connection belongs to exactly one. */
export class Workspace {
  id: string = randomUUID();
  name!: string;
  /** JSON of the workspace's notification settings (schedules, extra addresses per provider). */
  notificationSettings?: string;
  createdAt: Date = new Date();
}

/** Roles inside a workspace: admins see and manage everything in it, members what they own or share. */
export type UserRole = 'admin' | 'member';

/** A person in a workspace: owns connections and receives their notifications. */
export class User {
  id: string = randomUUID();
  workspace!: Workspace;
  email!: string;
  name!: string;
  role!: UserRole;
  /** JSON of what the person wants to receive, on which channel, and whether as a daily digest. */
  notificationPreferences?: string;
  createdAt: Date = new Date();
}

/** What an API key may do: `admin` manages the workspace, `tokens:read` only fetches tokens. */
export type ApiKeyScope = 'admin' | 'tokens:read';

/** An API key. Only a hash of the key is stored; the key itself is shown once, at creation. */
export class ApiKey {
  id: string = randomUUID();
  workspace!: Workspace;
  /** The user the key acts as, when it is a person's key rather than a service's. */
  user?: User;
  name!: string;
  scope!: ApiKeyScope;
  /** SHA-256 of the key, hex. Keys are long random strings, so a fast hash is enough. */
  keyHash!: string;
  /** The first characters of the key, to tell keys apart in listings. */
  keyPrefix!: string;
  createdAt: Date = new Date();
  lastUsedAt?: Date;
  revokedAt?: Date;
  /**
   * When the key stops working on its own: set only on the console credentials sign-in links
   * issue (signing out revokes those); absent for keys that last until revoked.
   */
  expiresAt?: Date;
}

/**
 * A one-time link that signs a person in to the console, sent to their email address. Only a
 * hash of its token is stored; it works once, until `expiresAt`.
 */
export class SignInLink {
  id: string = randomUUID();
  user!: User;
  /** SHA-256 of the token, hex. */
  tokenHash!: string;
  expiresAt!: Date;
  usedAt?: Date;
  createdAt: Date = new Date();
}

const WorkspaceSchema = new EntitySchema<Workspace>({
  class: Workspace,
  tableName: 'workspaces',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    name: { type: 'string' },
    notificationSettings: { type: 'text', nullable: true },
    createdAt: { type: 'Date' },
  },
});

const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'users',
  uniques: [{ properties: ['workspace', 'email'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', length: 16 },
    notificationPreferences: { type: 'text', nullable: true },
    createdAt: { type: 'Date' },
  },
});

const ApiKeySchema = new EntitySchema<ApiKey>({
  class: ApiKey,
  tableName: 'api_keys',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    user: { kind: 'm:1', entity: () => User, nullable: true },
    name: { type: 'string' },
    scope: { type: 'string', length: 32 },
    keyHash: { type: 'string', length: 64, unique: true },
    keyPrefix: { type: 'string', length: 16 },
    createdAt: { type: 'Date' },
    lastUsedAt: { type: 'Date', nullable: true },
    revokedAt: { type: 'Date', nullable: true },
    expiresAt: { type: 'Date', nullable: true },
  },
});

const SignInLinkSchema = new EntitySchema<SignInLink>({
  class: SignInLink,
  tableName: 'sign_in_links',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    user: { kind: 'm:1', entity: () => User },
    tokenHash: { type: 'string', length: 64, unique: true },
    expiresAt: { type: 'Date' },
    usedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date' },
  },
});

/** Lifecycle status of a connection, as in ARCHITECTURE.md. */
export type ConnectionStatus = 'active' | 'expiring' | 'degraded' | 'expired' | 'revoked';

/**
 * One authorization at a network: the tokens it yielded, shared by every connection made from it.
 * Token columns hold ciphertext (`v1.<key id>.…`), never plain values.
 */
export class Grant {
  id: string = randomUUID();
  workspace!: Workspace;
  provider!: string;
  /** The network's id and name of the person who authorized. */
  subjectId!: string;
  subjectName!: string;
  accessToken?: string;
  refreshToken?: string;
  tokenSecret?: string;
  accessTokenExpiresAt?: Date;
  refreshTokenExpiresAt?: Date;
  /** JSON array of the scopes granted. */
  grantedScopes: string = '[]';
  lastRefreshedAt?: Date;
  /** When the tokens need renewing next; absent when nothing renews them automatically. */
  nextRefreshAt?: Date;
  /** When the next health check is due. */
  nextCheckAt?: Date;
  /** The instance working on the grant now, and until when its claim holds. */
  leaseOwner?: string;
  leaseExpiresAt?: Date;
  /** Transient failures in a row, for backoff and the move to `degraded`. */
  failureCount: number = 0;
  /**
   * How many token sets were stored for the grant: a token write lands only on the generation
   * its writer read, so a late write never overwrites newer tokens.
   */
  tokenGeneration: number = 0;
  /**
   * When a refresh was sent whose answer is not stored yet (in flight, its answer lost, or its
   * save interrupted): until it clears, the network may have rotated the refresh token already.
   */
  refreshStartedAt?: Date;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

/** One network account Tether keeps alive: a Page, an organisation, a channel, a profile… */
export class Connection {
  id: string = randomUUID();
  workspace!: Workspace;
  grant!: Grant;
  provider!: string;
  accountId!: string;
  accountName!: string;
  accountKind!: string;
  name!: string;
  owner?: User;
  /** JSON array of user ids the connection is shared with. */
  sharedWith: string = '[]';
  status: ConnectionStatus = 'active';
  reason?: string;
  remedy?: string;
  /** JSON array of requested scopes the network did not grant. */
  missingScopes: string = '[]';
  /** Ciphertext of an account-specific token (a Facebook Page token), when the network issues one. */
  accessToken?: string;
  accessTokenExpiresAt?: Date;
  /** When only the person can renew it any more (re-authorization); absent when nothing forces that. */
  hardExpiresAt?: Date;
  /** When the open incident (revoked or expired) was alerted on; cleared by the recovery note. */
  alertedAt?: Date;
  /** When to look at the reminders before the hard expiry next; set again whenever it moves. */
  nextReminderAt?: Date;
  /** When the open incident's next follow-up falls due. */
  nextFollowUpAt?: Date;
  /** When its own token (see `accessToken`) is health-checked next; absent without one. */
  nextCheckAt?: Date;
  /** Transient failures in a row of its own token's checks, for backoff and `degraded`. */
  failureCount: number = 0;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

/** Where a connect session stands. */
export type ConnectSessionStatus = 'pending' | 'processing' | 'completed' | 'failed';

/** One attempt to connect (or re-authorize) through the network's consent page. */
export class ConnectSession {
  id: string = randomUUID();
  workspace!: Workspace;
  provider!: string;
  owner?: User;
  /** Set when the session re-authorizes an existing connection. */
  connectionId?: string;
  /** JSON array of the scopes asked for. */
  scopes: string = '[]';
  returnTo?: string;
  mode: 'redirect' | 'popup' = 'redirect';
  /** SHA-256 of the state parameter; the state itself is never stored. */
  stateHash!: string;
  /** Ciphertext of the PKCE verifier or the OAuth 1.0a request-token secret. */
  verifier?: string;
  requestToken?: string;
  status: ConnectSessionStatus = 'pending';
  outcome?: string;
  outcomeDetail?: string;
  /** JSON array of the connections the session created or re-authorized. */
  connectionIds: string = '[]';
  expiresAt!: Date;
  completedAt?: Date;
  createdAt: Date = new Date();
}

/** One entry of a connection's audit trail. Never holds a secret. */
export class ConnectionEvent {
  id: string = randomUUID();
  workspace!: Workspace;
  /** Not a foreign key: the trail outlives a deleted connection. */
  connectionId!: string;
  type!: string;
  /** Who did it: `api-key:<id>`, `admin-key`, `user:<id>` or `system`. */
  actor!: string;
  /** JSON object with the event's details. */
  data: string = '{}';
  /** When notifications for this event were prepared; absent until then. */
  notifiedAt?: Date;
  createdAt: Date = new Date();
}

const GrantSchema = new EntitySchema<Grant>({
  class: Grant,
  tableName: 'grants',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    provider: { type: 'string', length: 64 },
    subjectId: { type: 'string' },
    subjectName: { type: 'string' },
    accessToken: { type: 'text', nullable: true },
    refreshToken: { type: 'text', nullable: true },
    tokenSecret: { type: 'text', nullable: true },
    accessTokenExpiresAt: { type: 'Date', nullable: true },
    refreshTokenExpiresAt: { type: 'Date', nullable: true },
    grantedScopes: { type: 'text' },
    lastRefreshedAt: { type: 'Date', nullable: true },
    nextRefreshAt: { type: 'Date', nullable: true },
    nextCheckAt: { type: 'Date', nullable: true },
    leaseOwner: { type: 'string', length: 80, nullable: true },
    leaseExpiresAt: { type: 'Date', nullable: true },
    failureCount: { type: 'integer' },
    tokenGeneration: { type: 'integer' },
    refreshStartedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date' },
    updatedAt: { type: 'Date' },
  },
});

const ConnectionSchema = new EntitySchema<Connection>({
  class: Connection,
  tableName: 'connections',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    grant: { kind: 'm:1', entity: () => Grant },
    provider: { type: 'string', length: 64 },
    accountId: { type: 'string' },
    accountName: { type: 'string' },
    accountKind: { type: 'string', length: 32 },
    name: { type: 'string' },
    owner: { kind: 'm:1', entity: () => User, nullable: true },
    sharedWith: { type: 'text' },
    status: { type: 'string', length: 16 },
    reason: { type: 'string', length: 32, nullable: true },
    remedy: { type: 'text', nullable: true },
    missingScopes: { type: 'text' },
    accessToken: { type: 'text', nullable: true },
    accessTokenExpiresAt: { type: 'Date', nullable: true },
    hardExpiresAt: { type: 'Date', nullable: true },
    alertedAt: { type: 'Date', nullable: true },
    nextReminderAt: { type: 'Date', nullable: true },
    nextFollowUpAt: { type: 'Date', nullable: true },
    nextCheckAt: { type: 'Date', nullable: true },
    failureCount: { type: 'integer' },
    createdAt: { type: 'Date' },
    updatedAt: { type: 'Date' },
  },
});

const ConnectSessionSchema = new EntitySchema<ConnectSession>({
  class: ConnectSession,
  tableName: 'connect_sessions',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    provider: { type: 'string', length: 64 },
    owner: { kind: 'm:1', entity: () => User, nullable: true },
    connectionId: { type: 'string', length: 36, nullable: true },
    scopes: { type: 'text' },
    returnTo: { type: 'text', nullable: true },
    mode: { type: 'string', length: 16 },
    stateHash: { type: 'string', length: 64, unique: true },
    verifier: { type: 'text', nullable: true },
    requestToken: { type: 'text', nullable: true },
    status: { type: 'string', length: 16 },
    outcome: { type: 'string', length: 64, nullable: true },
    outcomeDetail: { type: 'text', nullable: true },
    connectionIds: { type: 'text' },
    expiresAt: { type: 'Date' },
    completedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date' },
  },
});

const ConnectionEventSchema = new EntitySchema<ConnectionEvent>({
  class: ConnectionEvent,
  tableName: 'connection_events',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    connectionId: { type: 'string', length: 36 },
    type: { type: 'string', length: 64 },
    actor: { type: 'string', length: 80 },
    data: { type: 'text' },
    notifiedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date' },
  },
});

/** The schemas of workspaces, people, keys, sign-in links, authorizations, connections and their trail. */
export const CONNECTION_SCHEMAS = [
  WorkspaceSchema,
  UserSchema,
  ApiKeySchema,
  SignInLinkSchema,
  GrantSchema,
  ConnectionSchema,
  ConnectSessionSchema,
  ConnectionEventSchema,
];
