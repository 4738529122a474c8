import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { ApiKey, User, Workspace } from '@tether/persistence';
import { z } from 'zod';
import { emailField, recordIdField } from '../http/api-fields';
import { schemaRef } from '../http/api-schemas';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { pageQuery } from '../http/page';
import { ZodPipe } from '../http/zod-body.pipe';
import {
  apiKeyListSchema,
  callerSchema,
  apiKeySchema,
  createdApiKeySchema,
  createdWorkspaceSchema,
  userListSchema,
  userSchema,
  workspacePageSchema,
  workspaceSchema,
} from './identity-schemas';
import { IdentityService } from './identity.service';
import {
  assertWorkspaceAdmin,
  CurrentPrincipal,
  OperatorRoute,
  type Principal,
  RequireScope,
} from './principal';

const createUserBody = z.strictObject({
  email: emailField,
  name: z.string().trim().min(1).max(200),
  role: z.enum(['admin', 'member']).default('member'),
});

const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  scope: z.enum(['admin', 'tokens:read']),
  userId: recordIdField.optional(),
});

const createWorkspaceBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
});

const listWorkspacesQuery = z.strictObject(pageQuery);

function workspaceView(workspace: Workspace): z.infer<typeof workspaceSchema> {
  return { id: workspace.id, name: workspace.name, createdAt: workspace.createdAt.toISOString() };
}

export function userView(user: User): z.infer<typeof userSchema> {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

function apiKeyView(apiKey: ApiKey): z.infer<typeof apiKeySchema> {
  return {
    id: apiKey.id,
    name: apiKey.name,
    scope: apiKey.scope,
    prefix: apiKey.keyPrefix,
    userId: apiKey.user?.id ?? null,
    createdAt: apiKey.createdAt.toISOString(),
    lastUsedAt: apiKey.lastUsedAt?.toISOString() ?? null,
    expiresAt: apiKey.expiresAt?.toISOString() ?? null,
  };
}

/** Users and API keys of the caller's workspace. Admin keys only. */
@ApiTags('identity')
@Controller('api/v1')
@ApiKeyAuth()
export class IdentityController {
  constructor(private readonly identity: IdentityService) {}

  @Get('me')
  @RequireScope('tokens:read')
  @ApiOperation({
    summary: 'Who the calling key is: its workspace, its person, whether it is an admin’s',
  })
  @ApiOkResponse({ description: 'The caller', schema: schemaRef(callerSchema) })
  async me(@CurrentPrincipal() principal: Principal): Promise<z.infer<typeof callerSchema>> {
    const { workspace, user } = await this.identity.callerOf(principal);
    return {
      workspace: workspaceView(workspace),
      scope: principal.scope,
      user: user ? userView(user) : null,
      admin: principal.scope === 'admin' && principal.userRole !== 'member',
    };
  }

  @Post('sign-out')
  @HttpCode(204)
  @RequireScope('tokens:read')
  @ApiOperation({
    summary: 'End a console sign-in: revoke the calling key if a sign-in link issued it',
    description:
      'Keys made with `POST /api/v1/api-keys` are left alone: revoke those with `DELETE /api/v1/api-keys/{id}`.',
  })
  @ApiNoContentResponse({ description: 'Signed out' })
  async signOut(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.identity.endSignIn(principal);
  }

  @Get('users')
  @ApiOperation({ summary: 'List the users of the workspace' })
  @ApiOkResponse({ description: 'The users', schema: schemaRef(userListSchema) })
  async listUsers(@CurrentPrincipal() principal: Principal) {
    assertWorkspaceAdmin(principal);
    return { data: (await this.identity.listUsers(principal.workspaceId)).map(userView) };
  }

  @Post('users')
  @ApiOperation({ summary: 'Add a user (admin or member) to the workspace' })
  @ApiJsonBody(createUserBody)
  @ApiCreatedResponse({ description: 'The user', schema: schemaRef(userSchema) })
  @ApiProblems('USER_EXISTS')
  async createUser(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(createUserBody)) input: z.output<typeof createUserBody>,
  ) {
    assertWorkspaceAdmin(principal);
    return userView(await this.identity.createUser(principal.workspaceId, input));
  }

  @Get('api-keys')
  @ApiOperation({
    summary: 'List the active API keys of the workspace (never the keys themselves)',
  })
  @ApiOkResponse({ description: 'The keys', schema: schemaRef(apiKeyListSchema) })
  async listApiKeys(@CurrentPrincipal() principal: Principal) {
    assertWorkspaceAdmin(principal);
    return { data: (await this.identity.listApiKeys(principal.workspaceId)).map(apiKeyView) };
  }

  @Post('api-keys')
  @ApiOperation({ summary: 'Create an API key; the response is the only time the key is shown' })
  @ApiJsonBody(createApiKeyBody)
  @ApiCreatedResponse({
    description: 'The key’s record and, once, `key`',
    schema: schemaRef(createdApiKeySchema),
  })
  async createApiKey(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(createApiKeyBody)) input: z.output<typeof createApiKeyBody>,
  ) {
    assertWorkspaceAdmin(principal);
    const { apiKey, key } = await this.identity.createApiKey(principal.workspaceId, input);
    return { ...apiKeyView(apiKey), key };
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems('API_KEY_NOT_FOUND')
  async revokeApiKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<void> {
    assertWorkspaceAdmin(principal);
    await this.identity.revokeApiKey(principal.workspaceId, id);
  }
}

/**
 * Workspaces, managed by the instance's operator: only the operator key (`TETHER_OPERATOR_KEY`)
 * reaches these routes, and it reaches no others.
 */
@ApiTags('workspaces')
@Controller('api/v1/workspaces')
@OperatorRoute()
@ApiKeyAuth()
export class WorkspacesController {
  constructor(private readonly identity: IdentityService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a workspace with its first admin API key (operator key only)',
    description:
      'The response is the only time `adminKey.key` is shown; only its hash is stored. Use it to add users and further keys to the new workspace.',
  })
  @ApiJsonBody(createWorkspaceBody)
  @ApiCreatedResponse({
    description: 'The workspace and its first admin key',
    schema: schemaRef(createdWorkspaceSchema),
  })
  async create(
    @Body(new ZodPipe(createWorkspaceBody)) input: z.output<typeof createWorkspaceBody>,
  ) {
    const { workspace, apiKey, key } = await this.identity.createWorkspace(input.name);
    return { ...workspaceView(workspace), adminKey: { ...apiKeyView(apiKey), key } };
  }

  @Get()
  @ApiOperation({
    summary: 'List workspaces, newest first, with cursor pagination (operator key only)',
  })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ description: 'A page of workspaces', schema: schemaRef(workspacePageSchema) })
  @ApiProblems('INVALID_REQUEST')
  async list(@Query(new ZodPipe(listWorkspacesQuery)) query: z.output<typeof listWorkspacesQuery>) {
    const page = await this.identity.listWorkspaces(query);
    return { data: page.data.map(workspaceView), nextCursor: page.nextCursor };
  }
}
