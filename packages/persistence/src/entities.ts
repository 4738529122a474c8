import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** A tenant: every user, key and connection belongs to exactly one. */
export class Workspace {
  id: string = randomUUID();
  name!: string;
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
}

export const WorkspaceSchema = new EntitySchema<Workspace>({
  class: Workspace,
  tableName: 'workspaces',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    name: { type: 'string' },
    createdAt: { type: 'datetime' },
  },
});

export const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'users',
  uniques: [{ properties: ['workspace', 'email'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    workspace: { kind: 'm:1', entity: () => Workspace },
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', length: 16 },
    createdAt: { type: 'datetime' },
  },
});

export const ApiKeySchema = new EntitySchema<ApiKey>({
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
    createdAt: { type: 'datetime' },
    lastUsedAt: { type: 'datetime', nullable: true },
    revokedAt: { type: 'datetime', nullable: true },
  },
});

/** Every entity schema, for the ORM configuration. */
export const ENTITY_SCHEMAS = [WorkspaceSchema, UserSchema, ApiKeySchema];
