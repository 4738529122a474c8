import { EntityManager } from '@mikro-orm/core';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { User } from '@tether/persistence';
import { z } from 'zod';
import { apiSchema, schemaRef } from '../http/api-schemas';
import { ApiKeyAuth } from '../http/openapi';
import { userSchema } from './identity-schemas';
import { userView } from './identity.controller';
import { CurrentPrincipal, type Principal, RequireScope } from './principal';

/** Who the API key in use is: its workspace, scope and, when it acts for one, its user. */
export const meSchema = apiSchema(
  'Me',
  z.object({
    workspaceId: z.string(),
    scope: z.enum(['admin', 'tokens:read']),
    apiKeyId: z.string().nullable().describe('null: the instance’s configured admin key'),
    user: userSchema.nullable().describe('The user the key acts for; null: the workspace'),
  }),
);

/** The caller, as the console needs it: which user is signed in, and whether they are an admin. */
@ApiTags('identity')
@Controller('api/v1/me')
@ApiKeyAuth()
export class MeController {
  constructor(private readonly em: EntityManager) {}

  @Get()
  @RequireScope('tokens:read')
  @ApiOperation({ summary: 'The API key in use: its workspace, scope and user' })
  @ApiOkResponse({ description: 'The caller', schema: schemaRef(meSchema) })
  async me(@CurrentPrincipal() principal: Principal): Promise<z.infer<typeof meSchema>> {
    const user = principal.userId
      ? await this.em
          .fork()
          .findOne(User, { id: principal.userId, workspace: principal.workspaceId })
      : null;
    return {
      workspaceId: principal.workspaceId,
      scope: principal.scope,
      apiKeyId: principal.apiKeyId ?? null,
      user: user ? userView(user) : null,
    };
  }
}
