import { z } from 'zod';
import { apiSchema, isoDateTime, listSchema, pageSchema } from '../http/api-schemas';

/** A person of the workspace. */
export const userSchema = apiSchema(
  'User',
  z.object({
    id: z.string(),
    email: z.email(),
    name: z.string(),
    role: z.enum(['admin', 'member']),
    createdAt: isoDateTime,
  }),
);

export const userListSchema = apiSchema('UserList', listSchema(userSchema));

/** An API key's record: never the key itself. */
export const apiKeySchema = apiSchema(
  'ApiKey',
  z.object({
    id: z.string(),
    name: z.string(),
    scope: z
      .enum(['admin', 'tokens:read'])
      .describe('`admin`: the whole API as its user may; `tokens:read`: tokens and the catalog'),
    prefix: z.string().describe('The first characters of the key, to tell keys apart'),
    userId: z.string().nullable().describe('The user it acts for; null: the workspace'),
    createdAt: isoDateTime,
    lastUsedAt: isoDateTime.nullable(),
    expiresAt: isoDateTime
      .nullable()
      .describe('When the key stops working on its own (console sign-ins); null: when revoked'),
  }),
);

export const apiKeyListSchema = apiSchema('ApiKeyList', listSchema(apiKeySchema));

/** A key as created: its record and, this once, the key. */
export const createdApiKeySchema = apiSchema(
  'CreatedApiKey',
  apiKeySchema.extend({
    key: z.string().describe('The key (`tth_…`); shown only in this answer'),
  }),
);

/** A workspace. */
export const workspaceSchema = apiSchema(
  'Workspace',
  z.object({ id: z.string(), name: z.string(), createdAt: isoDateTime }),
);

export const workspacePageSchema = apiSchema('WorkspacePage', pageSchema(workspaceSchema));

/** A workspace as created, with its first admin key (shown only in this answer). */
export const createdWorkspaceSchema = apiSchema(
  'CreatedWorkspace',
  workspaceSchema.extend({ adminKey: createdApiKeySchema }),
);

/** Who a key is: its workspace, the person it acts for, and whether it may manage the workspace. */
export const callerSchema = apiSchema(
  'Caller',
  z.object({
    workspace: workspaceSchema,
    scope: z.enum(['admin', 'tokens:read']),
    user: userSchema.nullable().describe('The person the key acts for; null: the workspace'),
    admin: z
      .boolean()
      .describe('Whether the key may manage users and keys: a workspace key or an admin’s'),
  }),
);

/** The answer to a sign-in link request: always the same, whoever has the address. */
export const signInLinkRequestedSchema = apiSchema(
  'SignInLinkRequested',
  z.object({ detail: z.string() }),
);

/** What a sign-in link is exchanged for: a key of the person for the console, and when it ends. */
export const consoleSessionSchema = apiSchema(
  'ConsoleSession',
  z.object({
    key: z.string().describe('An API key (`tth_…`) acting for the person; shown only here'),
    expiresAt: isoDateTime,
    user: userSchema,
  }),
);
