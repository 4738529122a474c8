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
