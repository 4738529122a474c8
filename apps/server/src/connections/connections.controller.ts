import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { dateTimeField, providerIdField, recordIdField } from '../http/api-fields';
import { schemaRef } from '../http/api-schemas';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { pageQuery } from '../http/page';
import { ZodPipe } from '../http/zod-body.pipe';
import { CurrentPrincipal, type Principal } from '../identity/principal';
import { PageLinks } from '../pages/page-links';
import { ProviderRegistry } from '../providers/provider-registry';
import { ConnectService } from './connect.service';
import { ConnectionsService } from './connections.service';
import {
  connectionEventsSchema,
  connectionPageSchema,
  connectionSchema,
  connectionView,
  connectSessionSchema,
  eventView,
  sessionView,
} from './views';

const startSessionBody = z.strictObject({
  provider: providerIdField,
  ownerId: recordIdField.optional(),
  scopes: z.array(z.string().min(1)).max(100).optional(),
  returnTo: z.string().min(1).max(2000).optional(),
  mode: z.enum(['redirect', 'popup']).optional(),
  /** The networks the hosted connect page (`hostedUrl`) offers; `provider` alone by default. */
  providers: z.array(providerIdField).min(1).max(50).optional(),
});

const reauthorizeBody = startSessionBody
  .omit({ provider: true, ownerId: true, providers: true })
  .default({});

const listQuery = z.strictObject({
  provider: providerIdField.optional(),
  status: z.enum(['active', 'expiring', 'degraded', 'expired', 'revoked']).optional(),
  ownerId: recordIdField.optional(),
  expiringBefore: dateTimeField.optional(),
  q: z.string().min(1).max(200).optional(),
  ...pageQuery,
});

const updateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    ownerId: recordIdField.optional(),
    sharedWith: z.array(recordIdField).max(500).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'send at least one of name, ownerId, sharedWith');

/** Connect sessions: the start of the OAuth flow. */
@ApiTags('connections')
@Controller('api/v1/connect-sessions')
@ApiKeyAuth()
export class ConnectSessionsController {
  constructor(
    private readonly connect: ConnectService,
    private readonly registry: ProviderRegistry,
    private readonly links: PageLinks,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Start connecting an account',
    description:
      "Returns the URL to send the person to (`authorizationUrl`) and Tether's hosted connect page offering `providers` (`hostedUrl`). The network redirects back to `/oauth/{provider}/callback`.",
  })
  @ApiJsonBody(startSessionBody)
  @ApiCreatedResponse({
    description: 'The session, with `authorizationUrl`',
    schema: schemaRef(connectSessionSchema),
  })
  @ApiProblems(
    'PROVIDER_NOT_FOUND',
    'PROVIDER_NOT_CONFIGURED',
    'PROVIDER_UNAVAILABLE',
    'RETURN_URL_NOT_ALLOWED',
    'PROVIDER_REQUEST_FAILED',
  )
  async start(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(startSessionBody)) input: z.output<typeof startSessionBody>,
  ) {
    const providers = input.providers ?? [input.provider];
    for (const provider of providers) this.registry.get(provider);
    const { session, authorizationUrl } = await this.connect.start(principal, input);
    return sessionView(session, authorizationUrl, this.links.connect(session, providers));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A connect session and its outcome' })
  @ApiOkResponse({ description: 'The session', schema: schemaRef(connectSessionSchema) })
  @ApiProblems('CONNECT_SESSION_NOT_FOUND')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return sessionView(await this.connect.get(principal, id));
  }
}

/** Connections: list, read, rename, share, re-authorize, delete, audit trail. */
@ApiTags('connections')
@Controller('api/v1/connections')
@ApiKeyAuth()
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly connect: ConnectService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List connections, newest first, with filters and cursor pagination' })
  @ApiQuery({ name: 'provider', required: false })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ['active', 'expiring', 'degraded', 'expired', 'revoked'],
  })
  @ApiQuery({ name: 'ownerId', required: false })
  @ApiQuery({
    name: 'expiringBefore',
    required: false,
    description: 'ISO date-time: hard expiry before it',
  })
  @ApiQuery({ name: 'q', required: false, description: 'Text in the connection or account name' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ description: 'A page of connections', schema: schemaRef(connectionPageSchema) })
  @ApiProblems('INVALID_REQUEST')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listQuery)) query: z.output<typeof listQuery>,
  ) {
    const page = await this.connections.list(principal, query);
    return { data: page.data.map(connectionView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One connection: status, reason, remedy, scopes, expiries. Never a token.',
  })
  @ApiOkResponse({ description: 'The connection', schema: schemaRef(connectionSchema) })
  @ApiProblems('CONNECTION_NOT_FOUND')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return connectionView(await this.connections.get(principal, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, change the owner, or share with users of the workspace' })
  @ApiJsonBody(updateBody)
  @ApiOkResponse({ description: 'The connection', schema: schemaRef(connectionSchema) })
  @ApiProblems('CONNECTION_NOT_FOUND')
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(updateBody)) change: z.output<typeof updateBody>,
  ) {
    return connectionView(await this.connections.update(principal, id, change));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete: revoke at the network where possible, erase the tokens, keep the trail',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems('CONNECTION_NOT_FOUND')
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.connections.remove(principal, id);
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'The audit trail: who did what, when' })
  @ApiOkResponse({ description: 'The events', schema: schemaRef(connectionEventsSchema) })
  @ApiProblems('CONNECTION_NOT_FOUND')
  async events(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return { data: (await this.connections.events(principal, id)).map(eventView) };
  }

  @Post(':id/reauthorize')
  @ApiOperation({
    summary: 'Start a connect session that renews this connection in place',
    description:
      'Without `scopes`, it asks again for the optional scopes the authorization was granted, so accounts that depend on them (organisations, Pages) come back.',
  })
  @ApiJsonBody(reauthorizeBody)
  @ApiCreatedResponse({
    description: 'The session, with `authorizationUrl`',
    schema: schemaRef(connectSessionSchema),
  })
  @ApiProblems('CONNECTION_NOT_FOUND', 'PROVIDER_NOT_CONFIGURED', 'RETURN_URL_NOT_ALLOWED')
  async reauthorize(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(reauthorizeBody)) input: z.output<typeof reauthorizeBody>,
  ) {
    const connection = await this.connections.getToActOn(principal, id);
    const { session, authorizationUrl } = await this.connect.start(
      principal,
      { ...input, provider: connection.provider },
      connection,
    );
    return sessionView(session, authorizationUrl);
  }
}
