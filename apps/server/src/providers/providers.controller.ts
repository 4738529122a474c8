import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Clock } from '../clock/clock';
import { RequireScope } from '../identity/principal';
import { schemaRef } from '../http/api-schemas';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { ZodPipe } from '../http/zod-body.pipe';
import { NetworkBreakers } from '../lifecycle/network-breakers';
import { CredentialRejections } from './credential-rejections';
import { catalogEntry } from './provider-catalog';
import { ProviderRegistry } from './provider-registry';
import { catalogEntrySchema, catalogSchema, classificationSchema } from './provider-schemas';

const classifyErrorBody = z.strictObject({
  status: z.number().int().min(0).max(999),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
});

/** The catalog of loaded providers. Readable by any API key. */
@ApiTags('providers')
@Controller('api/v1/providers')
@RequireScope('tokens:read')
@ApiKeyAuth()
export class ProvidersController {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly rejections: CredentialRejections,
    private readonly breakers: NetworkBreakers,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the loaded providers with everything they declare' })
  @ApiOkResponse({
    schema: schemaRef(catalogSchema),
    description:
      'The catalog; `credentials` is `rejected` while the network refuses the app credentials, with `credentialsRejection: { since, reason, message }`; `network` is `degraded` while this instance holds calls to it back after a storm, with `networkDegradation: { breaker, since, until, reason }`',
  })
  async list() {
    const rejections = await this.rejections.all();
    return {
      data: this.registry
        .list()
        .map((active) =>
          catalogEntry(active, rejections.get(active.id), this.breakers.degradation(active.id)),
        ),
    };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One provider: endpoints, scopes, lifetimes, refresh strategy, health check',
  })
  @ApiOkResponse({ description: 'The catalog entry', schema: schemaRef(catalogEntrySchema) })
  @ApiProblems('PROVIDER_NOT_FOUND')
  async get(@Param('id') id: string) {
    const active = this.registry.get(id);
    return catalogEntry(
      active,
      (await this.rejections.all()).get(active.id),
      this.breakers.degradation(active.id),
    );
  }

  @Post(':id/classify-error')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Classify an error response a network returned',
    description:
      'Runs the provider’s classifier on `{ status, headers, body }` and returns the full classification: `actor` says who must act (`owner`, `account_admin`, `operator`, `nobody`); `needsConfirmation` says the response alone cannot tell, and a reported error like it is confirmed with the connection’s health check before anything ends.',
  })
  @ApiJsonBody(classifyErrorBody)
  @ApiOkResponse({ description: 'The classification', schema: schemaRef(classificationSchema) })
  @ApiProblems('PROVIDER_NOT_FOUND')
  classify(
    @Param('id') id: string,
    @Body(new ZodPipe(classifyErrorBody)) input: z.output<typeof classifyErrorBody>,
  ): z.infer<typeof classificationSchema> {
    const { provider } = this.registry.get(id);
    const headers = Object.fromEntries(
      Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    return provider.classifyError(
      { status: input.status, headers, body: input.body },
      { now: this.clock.now() },
    );
  }
}
